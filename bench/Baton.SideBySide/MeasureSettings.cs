using System.Globalization;

namespace Baton.SideBySide;

/// <summary>The three measures of shared/PEERS.md, and the CPU a blocked waiter burns.</summary>
internal enum Measure
{
    Uncontended,
    Contended,
    Handoff,
    Waiting,
}

/// <summary>
/// How to measure; the same for every subject of a run. A process peer receives these as the
/// command-line options of <see cref="ToArguments"/>.
/// </summary>
internal sealed class MeasureSettings
{
    public const int MethodCycles = 2_000;

    public IReadOnlyList<Measure> Measures { get; set; } = [Measure.Uncontended, Measure.Contended, Measure.Handoff, Measure.Waiting];

    /// <summary>Uncontended: timed cycles (PEERS.md: at least 2,000).</summary>
    public int Cycles { get; set; } = MethodCycles;

    /// <summary>Uncontended: warm-up lasts at least this many cycles...</summary>
    public int WarmupCycles { get; set; } = 1_000;

    /// <summary>...and at least this long, so the JIT has promoted the hot path (tier 1).</summary>
    public int WarmupMs { get; set; } = 500;

    /// <summary>Contended: how long the workers run.</summary>
    public double Seconds { get; set; } = 5;

    /// <summary>Contended: how many workers share the one name.</summary>
    public int Workers { get; set; } = 4;

    /// <summary>Handoff: how many trials.</summary>
    public int Trials { get; set; } = 30;

    /// <summary>Handoff: the holder keeps the name a random time in [<see cref="HoldMinMs"/>, <see cref="HoldMaxMs"/>].</summary>
    public int HoldMinMs { get; set; } = 50;

    public int HoldMaxMs { get; set; } = 150;

    /// <summary>Waiting: how long a waiter stays blocked on a held lock while its CPU time is measured.</summary>
    public double WaitSeconds { get; set; } = 5;

    /// <summary>Seeds the random hold times.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The lock name every subject uses; unique per run so stale holders of earlier runs do not interfere.</summary>
    public string LockName { get; set; } = $"sidebyside-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];

    public bool Includes(Measure measure) => Measures.Contains(measure);

    /// <summary>The options a process peer is given, in the syntax this harness also accepts.</summary>
    public IEnumerable<string> ToArguments()
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            "--measures", string.Join(',', Measures.Select(m => m.ToString().ToLowerInvariant())),
            "--cycles", Cycles.ToString(inv),
            "--warmup-cycles", WarmupCycles.ToString(inv),
            "--warmup-ms", WarmupMs.ToString(inv),
            "--seconds", Seconds.ToString(inv),
            "--workers", Workers.ToString(inv),
            "--trials", Trials.ToString(inv),
            "--hold-ms", $"{HoldMinMs.ToString(inv)}-{HoldMaxMs.ToString(inv)}",
            "--seed", Seed.ToString(inv),
            "--name", LockName,
            "--wait-seconds", WaitSeconds.ToString(inv),
        ];
    }

    public string Describe() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"uncontended: {Cycles:N0} timed cycles after >= {WarmupCycles:N0} cycles and {WarmupMs} ms of warm-up; " +
            $"contended: {Workers} workers on one name for {Seconds} s; " +
            $"handoff: {Trials} trials, hold {HoldMinMs}-{HoldMaxMs} ms (seed {Seed}); waiting: {WaitSeconds} s blocked; lock name '{LockName}'");
}
