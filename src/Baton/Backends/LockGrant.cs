namespace Baton.Backends;

/// <summary>
/// One hold of one name, as a backend made it. Backends derive from it; the core wraps it in the
/// public handle and calls <see cref="ReleaseAsync"/> exactly once.
/// </summary>
public abstract class LockGrant
{
    private CancellationTokenSource? _lost;
    private int _lostState;
    private LossReason _lossReason;
    private LockHandleBase? _handle;

    /// <summary>Creates a grant.</summary>
    /// <param name="fencingToken">The fencing token of this acquisition.</param>
    /// <param name="takeover">The takeover notice when the previous holder did not release cleanly.</param>
    protected LockGrant(long fencingToken, TakeoverNotice? takeover)
    {
        FencingToken = fencingToken;
        Takeover = takeover;
    }

    /// <summary>The fencing token of the current hold; a backend sets a new one when an upgrade is granted.</summary>
    public long FencingToken { get; protected set; }

    /// <summary>How the name is held now; a backend updates it on upgrade and downgrade.</summary>
    public abstract LockMode Mode { get; }

    /// <summary>The takeover notice of this acquisition, if any.</summary>
    public TakeoverNotice? Takeover { get; }

    /// <summary>True once ownership can no longer be guaranteed.</summary>
    public bool IsLost => Volatile.Read(ref _lostState) != 0;

    /// <summary>Why ownership was lost, once <see cref="IsLost"/> is true.</summary>
    public LossReason? LossReason => IsLost ? _lossReason : null;

    /// <summary>Fires when ownership can no longer be guaranteed. Created on first use, so unused tokens cost nothing.</summary>
    public CancellationToken LostToken
    {
        get
        {
            if (IsLost)
            {
                return new CancellationToken(canceled: true);
            }

            var source = Volatile.Read(ref _lost);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _lost, created, null) ?? created;
                if (!ReferenceEquals(source, created))
                {
                    created.Dispose();
                }

                // SignalLost may have run between the first check and the publication above.
                if (IsLost)
                {
                    source.Cancel();
                }
            }

            return source.Token;
        }
    }

    /// <summary>Releases the hold. Called once by the core; may throw, and the core logs the failure.</summary>
    public abstract ValueTask ReleaseAsync();

    /// <summary>
    /// Starts turning a shared hold into an exclusive one, keeping the shared hold while waiting. The
    /// grant (at once or through the ticket) must be this same object, now <see cref="LockMode.Exclusive"/>
    /// with a new <see cref="FencingToken"/>, so lost tokens already handed out stay valid. Withdrawing the
    /// ticket keeps the shared hold.
    /// </summary>
    /// <param name="wait">False to try once.</param>
    /// <param name="cancellationToken">Cancels the start of the request (not the wait: the core withdraws the ticket).</param>
    public virtual ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"This backend does not support upgrading a {Mode} hold.");

    /// <summary>Turns this exclusive hold into a shared one in place, without ever releasing it, and lets waiting readers in.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public virtual ValueTask DowngradeAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException($"This backend does not support downgrading a {Mode} hold.");

    /// <summary>
    /// Called by a backend when ownership can no longer be guaranteed: fires the lost token once.
    /// Call it outside the backend's own locks, since token callbacks run synchronously.
    /// </summary>
    /// <param name="reason">Why ownership was lost.</param>
    protected void SignalLost(LossReason reason)
    {
        _lossReason = reason;
        if (Interlocked.Exchange(ref _lostState, 1) != 0)
        {
            return;
        }

        Volatile.Read(ref _lost)?.Cancel();
        Volatile.Read(ref _handle)?.OnGrantLost();
    }

    /// <summary>The public handle, once made.</summary>
    internal LockHandleBase? Handle => Volatile.Read(ref _handle);

    /// <summary>Ties the grant to its public handle, which counts and logs a loss once (a race may report it twice).</summary>
    internal void AttachHandle(LockHandleBase handle)
    {
        Volatile.Write(ref _handle, handle);
        if (IsLost)
        {
            handle.OnGrantLost();
        }
    }
}
