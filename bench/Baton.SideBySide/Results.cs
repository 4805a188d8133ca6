using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.SideBySide;

/// <summary>
/// What one subject measured. This is also the process-peer protocol: an external peer prints one
/// of these as JSON (snake_case) on stdout. Peers may give only the raw fields (samples, per-worker
/// counts, seconds); the harness recomputes every summary from them so that all subjects are
/// summarised by the same code.
/// </summary>
internal sealed class SubjectResult
{
    public string Subject { get; set; } = "";

    /// <summary>"in-process" or "process"; set by the harness.</summary>
    public string? Kind { get; set; }

    public UncontendedResult? Uncontended { get; set; }

    public ContendedResult? Contended { get; set; }

    public HandoffResult? Handoff { get; set; }

    public WaitingResult? Waiting { get; set; }

    /// <summary>Free text a subject wants beside its figures (version, settings it had to change).</summary>
    public string? Notes { get; set; }

    /// <summary>Set when measuring failed; the other fields hold what was measured before.</summary>
    public string? Error { get; set; }

    public void Normalize()
    {
        Uncontended?.Normalize();
        Contended?.Normalize();
        Handoff?.Normalize();
        Waiting?.Normalize();
    }
}

/// <summary>One client, acquire+release of one free lock, one sample per cycle.</summary>
internal sealed class UncontendedResult
{
    public int Cycles { get; set; }

    public double MedianUs { get; set; }

    public double P99Us { get; set; }

    public double MeanUs { get; set; }

    public double MinUs { get; set; }

    /// <summary>Managed bytes allocated per timed cycle (in-process subjects only).</summary>
    public double? AllocatedBytesPerCycle { get; set; }

    /// <summary>Gen-0 collections during the timed cycles (in-process subjects only).</summary>
    public int? Gen0Collections { get; set; }

    /// <summary>Every timed cycle, in µs, in the order measured.</summary>
    public IReadOnlyList<double>? SamplesUs { get; set; }

    public void Normalize()
    {
        if (SamplesUs is { Count: > 0 } samples)
        {
            Cycles = samples.Count;
            MedianUs = Stats.Percentile(samples, 50);
            P99Us = Stats.Percentile(samples, 99);
            MeanUs = samples.Average();
            MinUs = samples.Min();
        }
    }
}

/// <summary>Workers on one name for a fixed time; acquisitions completed before the deadline.</summary>
internal sealed class ContendedResult
{
    public int Workers { get; set; }

    public double Seconds { get; set; }

    public long Acquisitions { get; set; }

    public double PerSecond { get; set; }

    /// <summary>Acquisitions of each worker: equal counts mean fair, skewed ones barging or starvation.</summary>
    public IReadOnlyList<long>? PerWorker { get; set; }

    /// <summary>The smallest per-worker count divided by the largest (1 = perfectly even).</summary>
    public double MinOverMax { get; set; }

    /// <summary>Managed bytes allocated per acquisition, whole process (in-process subjects only).</summary>
    public double? AllocatedBytesPerAcquisition { get; set; }

    /// <summary>Gen-0 collections during the run (in-process subjects only).</summary>
    public int? Gen0Collections { get; set; }

    /// <summary>"tasks", "threads" or "processes": what a worker is.</summary>
    public string? Placement { get; set; }

    /// <summary>The largest per-worker count divided by the smallest (fairness: 1 = even; the file backend's target is ≤ 1.5).</summary>
    [JsonIgnore]
    public double MaxOverMin => PerWorker is { Count: > 0 } c && c.Min() > 0 ? (double)c.Max() / c.Min() : double.PositiveInfinity;

    public void Normalize()
    {
        if (PerWorker is { Count: > 0 } counts)
        {
            Workers = counts.Count;
            Acquisitions = counts.Sum();
            MinOverMax = counts.Max() == 0 ? 0 : (double)counts.Min() / counts.Max();
        }

        if (Seconds > 0)
        {
            PerSecond = Acquisitions / Seconds;
        }
    }
}

/// <summary>Release call of the holder to the return of the blocked waiter's acquire, per trial.</summary>
internal sealed class HandoffResult
{
    public int Trials { get; set; }

    public double MedianMs { get; set; }

    public double P99Ms { get; set; }

    public double MaxMs { get; set; }

    /// <summary>Every trial, in ms, in the order measured.</summary>
    public IReadOnlyList<double>? SamplesMs { get; set; }

    /// <summary>"in-process" (holder and waiter in one process) or "cross-process".</summary>
    public string? Placement { get; set; }

    public void Normalize()
    {
        if (SamplesMs is { Count: > 0 } samples)
        {
            Trials = samples.Count;
            MedianMs = Stats.Percentile(samples, 50);
            P99Ms = Stats.Percentile(samples, 99);
            MaxMs = samples.Max();
        }
    }
}

/// <summary>A waiter blocked on a held lock for <see cref="Seconds"/>: the CPU time its process used meanwhile.</summary>
internal sealed class WaitingResult
{
    public double Seconds { get; set; }

    /// <summary>User + system CPU time of the waiting process during <see cref="Seconds"/>.</summary>
    public double CpuSeconds { get; set; }

    /// <summary><see cref="CpuSeconds"/> as a percentage of one core (the file backend's target is &lt; 1 %).</summary>
    public double CpuPercent { get; set; }

    /// <summary>"cross-process" (a waiter process of its own) or "in-process (whole process)".</summary>
    public string? Placement { get; set; }

    public void Normalize()
    {
        if (Seconds > 0)
        {
            CpuPercent = CpuSeconds / Seconds * 100;
        }
    }
}

/// <summary>Everything one run measured: the settings, the machine and every subject's result (the <c>--json</c> file).</summary>
internal sealed class RunReport
{
    public DateTimeOffset StartedAt { get; set; }

    public string Machine { get; set; } = "";

    public MeasureSettings Settings { get; set; } = new();

    public List<SubjectResult> Results { get; set; } = [];
}

internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static JsonSerializerOptions Indented { get; } = new(Options) { WriteIndented = true };
}

internal static class Stats
{
    /// <summary>The percentile by linear interpolation between closest ranks (numpy's default, Excel's PERCENTILE.INC).</summary>
    public static double Percentile(IReadOnlyList<double> samples, double percent)
    {
        var sorted = samples.Order().ToArray();
        var rank = percent / 100 * (sorted.Length - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }
}
