namespace Baton.Backends;

/// <summary>
/// A ticket whose waiting is a loop of the backend's own (read the queue, watch what can let it in, read again),
/// with the part every such backend needs written once: one state — waiting, claimed or withdrawn — decided by
/// compare-and-swap, so a withdrawal and a grant never both win; stopping the loop on withdrawal and on the
/// coordinator's disposal; undoing the request in the backend when the wait ends without a grant.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The stop source lives as long as the ticket; the loop may read its token until it ends.")]
public abstract class WatchingTicket : AcquisitionTicket
{
    private const int Waiting = 0, Claimed = 1, Withdrawn = 2;

    private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _state;

    /// <inheritdoc />
    public override Task<LockGrant> Granted => _granted.Task;

    /// <summary>Fires when the wait is withdrawn or failed from outside: the loop stops.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>Whether the ticket was withdrawn (or failed from outside) while its loop ran.</summary>
    protected bool IsWithdrawn => Volatile.Read(ref _state) == Withdrawn;

    /// <summary>Whether the grant was claimed (<see cref="TryClaim"/>).</summary>
    protected bool IsClaimed => Volatile.Read(ref _state) == Claimed;

    /// <summary>Starts the waiting loop on the thread pool; it ends with <see cref="Complete"/> or <see cref="FailAsync(Exception, bool)"/>, or when stopped.</summary>
    /// <param name="loop">The loop.</param>
    protected void StartLoop(Func<Task> loop) => _loop = Task.Run(loop);

    /// <summary>
    /// Claims the grant, once: true unless the ticket was withdrawn first. Call it just before the write that makes
    /// the grant, or just after (then give a grant made in vain back when it returns false).
    /// </summary>
    protected bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Waiting) == Waiting;

    /// <summary>Hands the claimed grant to the acquirer.</summary>
    /// <param name="grant">The grant.</param>
    protected void Complete(LockGrant grant)
    {
        OnFinished();
        _granted.TrySetResult(grant);
    }

    /// <summary>
    /// Ends a wait that failed on its own (the session was lost, the backend unreachable, the grant's write failed
    /// after its claim): undoes the request and fails <see cref="Granted"/>. Nothing when it was withdrawn meanwhile
    /// (the withdrawal undoes it).
    /// </summary>
    /// <param name="failure">Why.</param>
    /// <param name="afterClaim">True when the grant had been claimed.</param>
    protected async Task FailAsync(Exception failure, bool afterClaim)
    {
        if (Interlocked.CompareExchange(ref _state, Withdrawn, Waiting) != Waiting && !afterClaim)
        {
            return;
        }

        OnFinished();
        await TryUndoAsync().ConfigureAwait(false);
        _granted.TrySetException(failure);
    }

    /// <summary>Undoes the request in the backend after a withdrawal or failure (deletes its key or node, reverts an upgrade).</summary>
    protected abstract Task UndoAsync();

    /// <summary>Whether a failure of <see cref="UndoAsync"/> may be ignored because the backend ends the request anyway (with its session or lease).</summary>
    /// <param name="failure">The failure.</param>
    protected virtual bool UndoMayFail(Exception failure) => failure is BackendUnavailableException;

    /// <summary>Runs once when the wait ends, however it ends (the backend forgets the ticket).</summary>
    protected virtual void OnFinished()
    {
    }

    /// <inheritdoc />
    public override async ValueTask<bool> WithdrawAsync()
    {
        var previous = Interlocked.CompareExchange(ref _state, Withdrawn, Waiting);
        if (previous == Claimed)
        {
            return false;
        }

        if (previous == Withdrawn)
        {
            return true;
        }

        await StopLoopAsync().ConfigureAwait(false);
        OnFinished();
        await TryUndoAsync().ConfigureAwait(false);
        _granted.TrySetCanceled();
        return true;
    }

    /// <summary>
    /// Withdraws from outside with <paramref name="failure"/> as the end of <see cref="Granted"/> instead of a
    /// cancellation (the coordinator was disposed). Nothing when the grant was claimed or the ticket already ended.
    /// </summary>
    /// <param name="failure">Why.</param>
    public async ValueTask WithdrawAsync(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _state, Withdrawn, Waiting) != Waiting)
        {
            return;
        }

        await StopLoopAsync().ConfigureAwait(false);
        OnFinished();
        await TryUndoAsync().ConfigureAwait(false);
        _granted.TrySetException(failure);
    }

    private async Task StopLoopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task TryUndoAsync()
    {
        try
        {
            await UndoAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (UndoMayFail(e))
        {
            // The request ends with the session or lease anyway.
        }
    }
}
