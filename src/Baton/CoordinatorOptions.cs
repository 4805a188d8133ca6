using Microsoft.Extensions.Logging;

namespace Baton;

/// <summary>Settings of a <see cref="Coordinator"/> that do not belong in the backend URL.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>
    /// An application-chosen id shown beside host and process in listings (for example a service
    /// instance name). Default: null, none.
    /// </summary>
    public string? MemberId { get; set; }

    /// <summary>The clock for timeouts, lease renewal and listing times. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where Baton logs (failed releases, lost locks). Default: null, no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>How long connecting to the backend may take before failing. Default: 15 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often elections and groups read a name they observe on a backend that cannot notify changes itself
    /// (see docs/contract.md for which can). Default: 250 milliseconds.
    /// </summary>
    public TimeSpan WatchPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Checks the order in which each async flow acquires names and reports orders that could deadlock
    /// (see <see cref="Baton.LockOrderChecker"/> and docs/lock-ordering.md). One checker may serve several
    /// coordinators. Default: null, off.
    /// </summary>
    public LockOrderChecker? LockOrderChecker { get; set; }

    /// <summary>
    /// Fails a wait at once with <see cref="DeadlockException"/> when it would close a cycle of flows of this
    /// process each waiting for a name another of them holds (see docs/lock-ordering.md). Default: false, off,
    /// because it records every acquisition, which costs the uncontended path tens of nanoseconds.
    /// </summary>
    public bool DetectDeadlocks { get; set; }

    internal void Validate()
    {
        if (WatchPollInterval < TimeSpan.FromMilliseconds(1) || WatchPollInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(WatchPollInterval), WatchPollInterval, $"The watch poll interval must be between 1 ms and 1 hour; got {WatchPollInterval}.");
        }

        MemberIdentity.ValidateCustomId(MemberId, nameof(MemberId));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if ((ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > Internal.TimeoutValidation.MaxFinite) && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(ConnectTimeout),
                ConnectTimeout,
                $"The connect timeout must be positive and at most {Internal.TimeoutValidation.MaxFinite.TotalDays:F1} days, or Timeout.InfiniteTimeSpan; got {ConnectTimeout}.");
        }
    }
}
