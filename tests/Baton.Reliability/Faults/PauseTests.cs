using Baton.Reliability.Harness;
using Baton.Reliability.Tests.Support;
using Xunit;
using Baton.Conformance.Servers;

namespace Baton.Reliability.Tests.Faults;

/// <summary>
/// A holder paused (SIGSTOP) past its 2 s Redis lease while another takes over, then resumed: its write carries the
/// older token. Fenced, the resource rejects it and nothing is violated; with fencing off (the control arm) the stale
/// write is accepted and the checker sees it.
/// </summary>
public sealed class PauseTests
{
    private static RunSpec Paused(bool fencing) => new()
    {
        Backend = TestServerUrls.With(TestServerUrls.Redis, "ttl=2s"), Fault = FaultKind.Stop, Processes = 3, Iterations = 8, FaultCount = 1,
        Hold = TimeSpan.FromMilliseconds(100), Fencing = fencing, Seed = Runs.Seed,
    };

    [Fact]
    public async Task PauseHolderPastLease_Fenced_StaleWriteRejected()
    {
        var result = await Runs.RunAsync(Paused(fencing: true));

        Runs.AssertClean(result, minimumFaults: 1);
        Assert.True(result.Report.StaleRejected >= 1, $"the paused holder's write was not rejected: {result.Report}");
    }

    [Fact]
    public async Task PauseHolderPastLease_FencingOff_StaleWriteAcceptedAndSeen()
    {
        var result = await Runs.RunAsync(Paused(fencing: false));

        Assert.True(result.Report.StaleAccepted >= 1 && result.Report.Violations > 0, result.Report.ToString());
    }
}
