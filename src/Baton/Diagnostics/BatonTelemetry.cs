using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Baton.Diagnostics;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>
/// named <c>Baton</c>. Instruments carry the tags <c>baton.kind</c> (lock, semaphore),
/// <c>baton.mode</c> (exclusive, shared, semaphore) and <c>baton.backend</c> (the URL scheme).
/// </summary>
public static class BatonTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Baton";

    /// <summary>The activity source: one <c>baton.acquire</c> activity per acquisition that had to wait or was traced.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>The meter.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary><c>baton.acquisitions</c>: successful acquisitions.</summary>
    public static Counter<long> Acquisitions { get; } =
        Meter.CreateCounter<long>("baton.acquisitions", "{acquisition}", "Successful acquisitions.");

    /// <summary><c>baton.timeouts</c>: acquisitions that gave up because the timeout passed (tries included).</summary>
    public static Counter<long> Timeouts { get; } =
        Meter.CreateCounter<long>("baton.timeouts", "{acquisition}", "Acquisitions not granted within their timeout.");

    /// <summary><c>baton.losses</c>: holds whose ownership could no longer be guaranteed.</summary>
    public static Counter<long> Losses { get; } =
        Meter.CreateCounter<long>("baton.losses", "{hold}", "Holds lost before release (broken, expired, disconnected).");

    /// <summary><c>baton.wait_time</c>: how long successful acquisitions waited, in seconds.</summary>
    public static Histogram<double> WaitTime { get; } =
        Meter.CreateHistogram<double>("baton.wait_time", "s", "Time from the acquire call to the grant.");

    /// <summary><c>baton.hold_time</c>: how long holds lasted, in seconds.</summary>
    public static Histogram<double> HoldTime { get; } =
        Meter.CreateHistogram<double>("baton.hold_time", "s", "Time from the grant to the release.");

    internal static TagList Tags(LockKind kind, LockMode mode, string backend) => new()
    {
        { "baton.kind", KindName(kind) },
        { "baton.mode", ModeName(mode) },
        { "baton.backend", backend },
    };

    internal static string KindName(LockKind kind) => kind switch
    {
        LockKind.Lock => "lock",
        LockKind.Semaphore => "semaphore",
        _ => "group",
    };

    internal static string ModeName(LockMode mode) => mode switch
    {
        LockMode.Exclusive => "exclusive",
        LockMode.Shared => "shared",
        _ => "semaphore",
    };
}
