using Baton.Backends;
using Baton.Diagnostics;
using Baton.Internal;

namespace Baton;

/// <summary>
/// A held name: its fencing token, a token that fires if ownership is lost, and the release. Disposing
/// releases; releasing is idempotent and never throws (a failed release is logged and left to the
/// backend's lease or session).
/// </summary>
public abstract class LockHandleBase : IAsyncDisposable, IDisposable
{
    private readonly Coordinator _owner;
    private readonly long _acquiredTimestamp;
    private readonly FastHoldOwner? _fastOwner;
    private LockGrant? _grant;
    private long _fastToken;
    private int _released;
    private int _lossReported;
    private TaskCompletionSource? _transition;
    private AcquisitionTicket? _pendingTicket;

    private protected LockHandleBase(Coordinator owner, string name, LockKind kind, LockGrant grant)
        : this(owner, name, kind)
    {
        _grant = grant;
        grant.AttachHandle(this);
    }

    /// <summary>A fast hold: no grant until <paramref name="fastOwner"/> adopts it (see <see cref="FastHoldOwner"/>).</summary>
    private protected LockHandleBase(Coordinator owner, string name, LockKind kind, FastHoldOwner fastOwner, long heldSince)
        : this(owner, name, kind)
    {
        _fastOwner = fastOwner;
        FastHeldSince = heldSince;
    }

    private LockHandleBase(Coordinator owner, string name, LockKind kind)
    {
        _owner = owner;
        Name = name;
        Kind = kind;
        if (BatonTelemetry.HoldTime.Enabled)
        {
            _acquiredTimestamp = owner.TimeProvider.GetTimestamp();
        }
    }

    /// <summary>The name held.</summary>
    public string Name { get; }

    /// <summary>Lock or semaphore.</summary>
    public LockKind Kind { get; }

    /// <summary>How the name is held now.</summary>
    public LockMode Mode => Volatile.Read(ref _grant) is { } grant ? grant.Mode : LockMode.Exclusive;

    /// <summary>
    /// The fencing token: strictly greater than every token of earlier holders of this name. Pass it to
    /// the guarded resource so it can reject writes that carry an older one.
    /// </summary>
    public long FencingToken => Volatile.Read(ref _grant) is { } grant ? grant.FencingToken : Volatile.Read(ref _fastToken);

    /// <summary>Fires when ownership can no longer be guaranteed (broken, lease expired, connection lost).</summary>
    public CancellationToken LostToken => TryGetGrant() is { } grant ? grant.LostToken : CancellationToken.None;

    /// <summary>True once ownership can no longer be guaranteed.</summary>
    public bool IsLost => Volatile.Read(ref _grant)?.IsLost ?? false;

    /// <summary>Why ownership was lost, or null while it is not.</summary>
    public LossReason? LossReason => Volatile.Read(ref _grant)?.LossReason;

    /// <summary>
    /// Set when the previous holder did not release cleanly (crashed, expired, broken): who it was and its
    /// fencing token, so the application can repair or fence the resource before using it.
    /// </summary>
    public TakeoverNotice? Takeover => Volatile.Read(ref _grant)?.Takeover;

    /// <summary>True once released.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>The grant; handles with upgrade and downgrade are never fast holds, so they always have one.</summary>
    private protected LockGrant Grant => Volatile.Read(ref _grant)!;

    private protected Coordinator Owner => _owner;

    /// <summary>A fast hold's "held since" stamp (<see cref="HoldClock"/>).</summary>
    internal long FastHeldSince { get; }

    /// <summary>The coordinator that acquired the hold.</summary>
    internal Coordinator Acquirer => _owner;

    /// <summary>Releases the name. Idempotent; never throws.</summary>
    public ValueTask ReleaseAsync()
    {
        if (_fastOwner is { } fastOwner && Volatile.Read(ref _grant) is null)
        {
            if (fastOwner.TryReleaseFast(this))
            {
                // Only one release can win the swap above, so this needs no interlocked exchange.
                Volatile.Write(ref _released, 1);
                RecordHoldTime();
                return default;
            }

            if (!fastOwner.WaitForAdoption(this))
            {
                // A concurrent release won the swap; it marks the handle released right after, and a release
                // that returns must leave IsReleased true, as on the general path.
                var spinner = default(SpinWait);
                while (Volatile.Read(ref _released) == 0)
                {
                    spinner.SpinOnce();
                }

                return default;
            }
        }

        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return default;
        }

        if (Volatile.Read(ref _transition) is { } transition)
        {
            return ReleaseAfterTransitionAsync(transition);
        }

        return ReleaseGrant();
    }

    /// <summary>Releases the name; same as <see cref="ReleaseAsync"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Usage", "CA1816", Justification = "No handle type has a finalizer and none can be derived outside Baton; this is the hot path.")]
    public ValueTask DisposeAsync() => ReleaseAsync();

    /// <summary>Releases the name, blocking until the backend has answered; for synchronous <c>using</c> blocks.</summary>
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        var release = ReleaseAsync();
        if (!release.IsCompleted)
        {
            // A synchronous caller asked to block; ReleaseAsync never throws.
            release.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Shows the name, mode and fencing token.</summary>
    public override string ToString() => $"{Name} ({BatonTelemetry.ModeName(Mode)}, fencing token {FencingToken})";

    internal void OnGrantLost()
    {
        if (Interlocked.Exchange(ref _lossReported, 1) != 0 || IsReleased)
        {
            return;
        }

        if (BatonTelemetry.Losses.Enabled)
        {
            BatonTelemetry.Losses.Add(1, BatonTelemetry.Tags(Kind, Mode, _owner.Scheme));
        }

        Log.HoldLost(_owner.Logger, Name, FencingToken, _owner.BackendUrl, LossReason ?? Baton.LossReason.ConnectionLost);
    }

    /// <summary>Publishes a fast hold's fencing token; an adoption or a listing waits for it.</summary>
    internal void PublishFastToken(long fencingToken) => Volatile.Write(ref _fastToken, fencingToken);

    /// <summary>A fast hold's fencing token, once published; 0 before.</summary>
    internal long PublishedFastToken => Volatile.Read(ref _fastToken);

    /// <summary>Under the fast owner's gate: from now on the hold works through this grant.</summary>
    internal void AttachAdoptedGrant(LockGrant grant)
    {
        Volatile.Write(ref _grant, grant);
        grant.AttachHandle(this);
    }

    internal bool HasGrant => Volatile.Read(ref _grant) is not null;

    /// <summary>Marks the start of an upgrade or downgrade; they exclude each other and a release waits for them.</summary>
    private protected TaskCompletionSource BeginTransition()
    {
        var transition = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _transition, transition, null) is not null)
        {
            throw new InvalidOperationException($"Another upgrade or downgrade of '{Name}' is in progress on this handle.");
        }

        if (IsReleased)
        {
            EndTransition(transition);
            throw new ObjectDisposedException(GetType().Name, $"The handle of '{Name}' has been released.");
        }

        return transition;
    }

    /// <summary>Remembers the queued upgrade, so a concurrent release can withdraw it.</summary>
    private protected void SetPendingTicket(AcquisitionTicket? ticket)
    {
        Interlocked.Exchange(ref _pendingTicket, ticket);
        if (ticket is not null && IsReleased)
        {
            _ = WithdrawQuietly(ticket);
        }
    }

    private protected void EndTransition(TaskCompletionSource transition)
    {
        Interlocked.Exchange(ref _pendingTicket, null);
        Volatile.Write(ref _transition, null);
        transition.TrySetResult();
    }

    private async ValueTask ReleaseAfterTransitionAsync(TaskCompletionSource transition)
    {
        if (Volatile.Read(ref _pendingTicket) is { } ticket)
        {
            await WithdrawQuietly(ticket).ConfigureAwait(false);
        }

        await transition.Task.ConfigureAwait(false);
        await ReleaseGrant().ConfigureAwait(false);
    }

    private async Task WithdrawQuietly(AcquisitionTicket ticket)
    {
        try
        {
            await ticket.WithdrawAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.WithdrawFailed(_owner.Logger, Name, _owner.BackendUrl, e);
        }
    }

    private LockGrant? TryGetGrant() =>
        Volatile.Read(ref _grant) ?? (_fastOwner is { } fastOwner && fastOwner.Adopt(this) ? Volatile.Read(ref _grant) : null);

    private void RecordHoldTime()
    {
        if (_acquiredTimestamp != 0 && BatonTelemetry.HoldTime.Enabled)
        {
            BatonTelemetry.HoldTime.Record(
                _owner.TimeProvider.GetElapsedTime(_acquiredTimestamp).TotalSeconds, BatonTelemetry.Tags(Kind, Mode, _owner.Scheme));
        }
    }

    private ValueTask ReleaseGrant()
    {
        RecordHoldTime();

        ValueTask release;
        try
        {
            release = Grant.ReleaseAsync();
        }
        catch (Exception e)
        {
            Log.ReleaseFailed(_owner.Logger, Name, _owner.BackendUrl, e);
            return default;
        }

        return release.IsCompletedSuccessfully ? default : AwaitRelease(release);
    }

    private async ValueTask AwaitRelease(ValueTask release)
    {
        try
        {
            await release.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.ReleaseFailed(_owner.Logger, Name, _owner.BackendUrl, e);
        }
    }
}
