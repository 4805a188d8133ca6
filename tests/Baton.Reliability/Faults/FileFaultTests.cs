using Baton.Reliability.Harness;
using Baton.Reliability.Tests.Support;
using Xunit;

namespace Baton.Reliability.Tests.Faults;

public sealed class FileFaultTests
{
    [Fact]
    public async Task KillHolder_FileBackend_NextHolderTakesOverWithoutViolation()
    {
        var result = await Runs.RunAsync(new RunSpec
        {
            Backend = "file://", Fault = FaultKind.Kill, Processes = 3, Iterations = 15, FaultCount = 2, Hold = TimeSpan.FromMilliseconds(100), Seed = Runs.Seed,
        });

        Runs.AssertClean(result, minimumFaults: 2);
        Assert.True(result.Report.Killed >= 1, $"no kill landed inside a section: {result.Report}");
    }
}
