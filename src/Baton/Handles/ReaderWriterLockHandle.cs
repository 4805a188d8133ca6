using Baton.Backends;
using Baton.Internal;

namespace Baton;

/// <summary>
/// A held reader-writer lock, in shared or exclusive mode. A shared hold can be upgraded (keeping the
/// shared hold while it waits for the other readers to leave) and an exclusive one downgraded (never
/// letting go). Dispose it to release.
/// </summary>
public sealed class ReaderWriterLockHandle : LockHandleBase
{
    internal ReaderWriterLockHandle(Coordinator owner, string name, LockGrant grant)
        : base(owner, name, LockKind.Lock, grant)
    {
    }

    /// <summary>
    /// Tries to turn this shared hold into an exclusive one within the timeout, keeping the shared hold
    /// meanwhile. Returns false, still holding shared, when the timeout passes. A granted upgrade gets a
    /// new, greater <see cref="LockHandleBase.FencingToken"/>. Returns true at once when already exclusive.
    /// </summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting; the shared hold is kept.</param>
    /// <exception cref="DeadlockException">Another shared holder is already upgrading; both waiting would deadlock.</exception>
    public async ValueTask<bool> TryUpgradeAsync(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        TimeoutValidation.Validate(timeout, nameof(timeout));
        cancellationToken.ThrowIfCancellationRequested();
        var transition = BeginTransition();
        try
        {
            if (Mode == LockMode.Exclusive)
            {
                return true;
            }

            var started = await Grant.StartUpgradeAsync(timeout != TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            if (started.Grant is not null)
            {
                return true;
            }

            if (started.Ticket is not { } ticket)
            {
                return false;
            }

            SetPendingTicket(ticket);
            return await Acquisition.WaitForTicketAsync(Owner, ticket, Name, timeout, cancellationToken, upgrade: true).ConfigureAwait(false) is not null;
        }
        finally
        {
            EndTransition(transition);
        }
    }

    /// <summary>
    /// Turns this shared hold into an exclusive one, waiting up to the timeout; see <see cref="TryUpgradeAsync"/>.
    /// </summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting; the shared hold is kept.</param>
    /// <exception cref="TimeoutException">Not upgraded within the timeout; the shared hold is kept.</exception>
    public async ValueTask UpgradeAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = timeout ?? Timeout.InfiniteTimeSpan;
        if (!await TryUpgradeAsync(wait, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"Could not upgrade '{Name}' to exclusive within {wait}; it is still held shared.");
        }
    }

    /// <summary>
    /// Turns this exclusive hold into a shared one without releasing it, letting waiting readers in.
    /// The fencing token is kept. Does nothing when already shared.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async ValueTask DowngradeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transition = BeginTransition();
        try
        {
            if (Mode == LockMode.Shared)
            {
                return;
            }

            await Grant.DowngradeAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndTransition(transition);
        }
    }
}
