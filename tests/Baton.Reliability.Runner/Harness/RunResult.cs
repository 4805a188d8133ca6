using System.Globalization;
using Baton.Backends;
using Baton.Reliability.Checking;

namespace Baton.Reliability.Harness;

/// <summary>The outcome of one run: the checker's report and what the harness did.</summary>
/// <param name="Spec">The run.</param>
/// <param name="Report">What the checker found.</param>
/// <param name="Elapsed">How long the run took, servers included.</param>
/// <param name="FaultsInjected">Kills, stops or restarts made; lock files deleted; stress-ng bursts.</param>
/// <param name="KeptDirectory">The run's directory (history, counter), kept when there were violations; else null.</param>
public sealed record RunResult(RunSpec Spec, CheckReport Report, TimeSpan Elapsed, int FaultsInjected, string? KeptDirectory)
{
    /// <summary>The header of <see cref="MarkdownRow"/>.</summary>
    public const string MarkdownHeader =
        "| backend | fault | processes × iterations | seed | attempted | acquired | timed out or failed | lost | faults (inside a hold) | violations | stale writes rejected | takeover after kill -9, median / p99 | seconds |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    /// <summary>One markdown table row.</summary>
    public string MarkdownRow
    {
        get
        {
            var takeover = Report.TakeoverMilliseconds.Count == 0
                ? "—"
                : string.Create(CultureInfo.InvariantCulture, $"{Percentile(Report.TakeoverMilliseconds, 0.5):0} ms / {Percentile(Report.TakeoverMilliseconds, 0.99):0} ms (n={Report.TakeoverMilliseconds.Count})");
            return string.Create(
                CultureInfo.InvariantCulture,
                $"| `{BackendUrl.Redact(Spec.Backend)}` | {FaultNames.Of(Spec.Fault)}{(Spec.Fencing ? string.Empty : " (fencing off)")} | {Spec.Processes} × {Spec.Iterations} | {Spec.Seed} "
                + $"| {Report.Attempted} | {Report.Acquired} | {Report.TimedOut + Report.Failed} | {Report.Lost} | {FaultsInjected}{(Spec.Fault is FaultKind.Kill or FaultKind.Stop or FaultKind.Restart or FaultKind.LeaderKill or FaultKind.ClusterCrash ? $" ({Report.FaultsInsideHolds})" : string.Empty)} | {Report.Violations} | {Report.StaleRejected} | {takeover} | {Elapsed.TotalSeconds:0.0} |");
        }
    }

    /// <summary>The nearest-rank percentile of <paramref name="values"/>.</summary>
    public static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
