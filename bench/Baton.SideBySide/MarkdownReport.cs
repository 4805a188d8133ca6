using System.Globalization;
using System.Text;

namespace Baton.SideBySide;

/// <summary>One markdown table: a row per measure and subject, with the ratio to the first subject.</summary>
internal static class MarkdownReport
{
    /// <summary>The table; a ratio column against each subject named in <paramref name="references"/> (none: the first subject).</summary>
    public static string Render(RunReport report, IReadOnlyList<string>? references = null)
    {
        var results = report.Results;
        var against = references is { Count: > 0 } ? references : results.Count > 0 ? [results[0].Subject] : [];
        var text = new StringBuilder();
        Line(text, $"Side by side, {report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.Machine}");
        Line(text, $"Settings: {report.Settings.Describe()}");
        text.AppendLine();
        text.AppendLine("| measure | subject | median or rate | p99 |" + string.Concat(against.Select(r => $" vs {r} |")) + " details |");
        text.AppendLine("|---|---|---:|---:|" + string.Concat(against.Select(_ => "---:|")) + "---|");

        foreach (var measure in report.Settings.Measures)
        {
            foreach (var kind in measure == Measure.Contended ? [RowKind.Contended, RowKind.Fairness] : new[] { (RowKind)measure })
            {
                var referenceValues = against.Select(r => results.FirstOrDefault(x => x.Subject == r) is { } x ? Row(kind, x).Value : null).ToList();
                foreach (var result in results)
                {
                    var row = Row(kind, result);
                    var ratios = string.Concat(referenceValues.Select(r =>
                        row.Value is { } v && r is { } reference && reference > 0 && kind is not (RowKind.Fairness or RowKind.Waiting) ? $" {Significant(v / reference)}× |" : " — |"));
                    Line(text, $"| {kind.ToString().ToLowerInvariant()} | {result.Subject} | {row.Headline} | {row.P99} |{ratios} {row.Details} |");
                }
            }
        }

        text.AppendLine();
        text.AppendLine("vs X = this subject's median (uncontended, handoff) or acquisitions/s (contended) ÷ X's: " +
                        "below 1× is faster for times, slower for rates. Fairness = the largest per-worker count ÷ the smallest " +
                        "(1 = even); waiting = CPU time of the blocked waiter's process as % of one core. Compare only figures of the same run.");
        foreach (var failed in results.Where(r => r.Error is not null))
        {
            Line(text, $"FAILED {failed.Subject}: {failed.Error}");
        }

        foreach (var noted in results.Where(r => !string.IsNullOrWhiteSpace(r.Notes)))
        {
            Line(text, $"Note on {noted.Subject}: {noted.Notes}");
        }

        return text.ToString();
    }

    private static (string Headline, string P99, double? Value, string Details) Row(RowKind kind, SubjectResult result)
    {
        switch (kind)
        {
            case RowKind.Uncontended when result.Uncontended is { } u:
                return (Micro(u.MedianUs), Micro(u.P99Us), u.MedianUs, F($"{u.Cycles:N0} cycles, mean {Micro(u.MeanUs)}, min {Micro(u.MinUs)}{Allocations(u.AllocatedBytesPerCycle, "cycle", u.Gen0Collections)}"));
            case RowKind.Contended when result.Contended is { } c:
                return (F($"{c.PerSecond:N0} acq/s"), "", c.PerSecond, F($"{c.Workers} {c.Placement ?? "workers"} × {c.Seconds:0.##} s; per worker {PerWorker(c)} (min/max {c.MinOverMax:0.00}){Allocations(c.AllocatedBytesPerAcquisition, "acq.", c.Gen0Collections)}"));
            case RowKind.Fairness when result.Contended is { } c:
                return (F($"{c.MaxOverMin:0.00}"), "", c.MaxOverMin, F($"max/min of {PerWorker(c)}; {c.Placement ?? "workers"}"));
            case RowKind.Handoff when result.Handoff is { } h:
                return (Milli(h.MedianMs), Milli(h.P99Ms), h.MedianMs, F($"{h.Trials} trials, max {Milli(h.MaxMs)}, {h.Placement ?? "?"}"));
            case RowKind.Waiting when result.Waiting is { } w:
                return (F($"{w.CpuPercent:0.00} %"), "", w.CpuPercent, F($"{w.CpuSeconds * 1e3:0} ms CPU in {w.Seconds:0.0} s blocked, {w.Placement ?? "?"}"));
            default:
                return ("—", "—", null, result.Error is null ? "not measured" : "failed (see below)");
        }
    }

    private static string PerWorker(ContendedResult c) =>
        c.PerWorker is { } counts ? string.Join(" / ", counts.Select(n => n.ToString("N0", CultureInfo.InvariantCulture))) : "?";

    private static string Allocations(double? bytes, string per, int? gen0) =>
        bytes is { } b ? F($"; {b:N0} B/{per}, {gen0 ?? 0} gen0 GCs") : "";

    private static string Micro(double us) => Significant(us) + " µs";

    private static string Milli(double ms) => Significant(ms) + " ms";

    /// <summary>Three significant digits, grouped thousands for large values.</summary>
    private static string Significant(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.00", CultureInfo.InvariantCulture),
        >= 0.1 => value.ToString("0.000", CultureInfo.InvariantCulture),
        _ => value.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(F(line));

    private static void Line(StringBuilder text, string line) => text.AppendLine(line);

    /// <summary>The rows of the table: one per measure, and fairness read from the contended run.</summary>
    private enum RowKind
    {
        Uncontended = Measure.Uncontended,
        Contended = Measure.Contended,
        Handoff = Measure.Handoff,
        Waiting = Measure.Waiting,
        Fairness,
    }
}
