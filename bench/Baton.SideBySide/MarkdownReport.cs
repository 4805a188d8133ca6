using System.Globalization;
using System.Text;

namespace Baton.SideBySide;

/// <summary>One markdown table: a row per measure and subject, with the ratio to the first subject.</summary>
internal static class MarkdownReport
{
    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        Line(text, $"Side by side, {report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.Machine}");
        Line(text, $"Settings: {report.Settings.Describe()}");
        text.AppendLine();
        text.AppendLine("| measure | subject | median or rate | p99 | vs first | details |");
        text.AppendLine("|---|---|---:|---:|---:|---|");

        var results = report.Results;
        foreach (var measure in report.Settings.Measures)
        {
            double? reference = null;
            for (var i = 0; i < results.Count; i++)
            {
                var row = Row(measure, results[i]);
                if (i == 0)
                {
                    reference = row.Value;
                }

                var ratio = row.Value is { } v && reference is { } r && r > 0 ? F($"{v / r:0.00}×") : "—";
                Line(text, $"| {measure.ToString().ToLowerInvariant()} | {results[i].Subject} | {row.Headline} | {row.P99} | {ratio} | {row.Details} |");
            }
        }

        text.AppendLine();
        text.AppendLine("vs first = this subject's median (uncontended, handoff) or acquisitions/s (contended) ÷ the first subject's: " +
                        "below 1× is faster for times, slower for rates. Compare only figures of the same run.");
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

    private static (string Headline, string P99, double? Value, string Details) Row(Measure measure, SubjectResult result)
    {
        switch (measure)
        {
            case Measure.Uncontended when result.Uncontended is { } u:
                return (Micro(u.MedianUs), Micro(u.P99Us), u.MedianUs, F($"{u.Cycles:N0} cycles, mean {Micro(u.MeanUs)}, min {Micro(u.MinUs)}{Allocations(u.AllocatedBytesPerCycle, "cycle", u.Gen0Collections)}"));
            case Measure.Contended when result.Contended is { } c:
                var perWorker = c.PerWorker is { } counts ? string.Join(" / ", counts.Select(n => n.ToString("N0", CultureInfo.InvariantCulture))) : "?";
                return (F($"{c.PerSecond:N0} acq/s"), "", c.PerSecond, F($"{c.Workers} workers × {c.Seconds:0.##} s; per worker {perWorker} (min/max {c.MinOverMax:0.00}){Allocations(c.AllocatedBytesPerAcquisition, "acq.", c.Gen0Collections)}"));
            case Measure.Handoff when result.Handoff is { } h:
                return (Milli(h.MedianMs), Milli(h.P99Ms), h.MedianMs, F($"{h.Trials} trials, max {Milli(h.MaxMs)}, {h.Placement ?? "?"}"));
            default:
                return ("—", "—", null, result.Error is null ? "not measured" : "failed (see below)");
        }
    }

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
}
