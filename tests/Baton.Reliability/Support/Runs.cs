using Baton.Reliability.Harness;
using Xunit;

namespace Baton.Reliability.Tests.Support;

/// <summary>Short runs of the harness, sized for CI, and the assertions every faulted run shares.</summary>
internal static class Runs
{
    /// <summary>Runs <paramref name="spec"/> within a few minutes at most.</summary>
    public static async Task<RunResult> RunAsync(RunSpec spec)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        return await ReliabilityRun.ExecuteAsync(spec with { TimeLimit = TimeSpan.FromMinutes(2) }, patience.Token);
    }

    /// <summary>No violation, every section accounted for, and the faults actually made.</summary>
    public static void AssertClean(RunResult result, int minimumFaults = 0)
    {
        var context = $"{result.Report}\nrepeat with: {result.Spec.Command}";
        Assert.True(result.Report.Violations == 0, $"violations found: {context}");
        Assert.True(result.Report.Acquired > 0, $"nothing was acquired: {context}");
        Assert.True(result.FaultsInjected >= minimumFaults, $"only {result.FaultsInjected} faults were made, {minimumFaults} expected: {context}");
    }

    /// <summary>A seed of its own per test run, printed in every failure message through the spec's command.</summary>
    public static int Seed => Random.Shared.Next(1, 100_000);
}
