namespace Baton.Backends;

/// <summary>
/// A place in a backend's queue. The core owns deadlines and cancellation: it awaits
/// <see cref="Granted"/> and, when the caller gives up, calls <see cref="WithdrawAsync"/>.
/// </summary>
public abstract class AcquisitionTicket
{
    /// <summary>
    /// Completes with the grant when the name is acquired. Faults when the backend fails (for example
    /// the connection is lost). The backend never cancels it on its own.
    /// </summary>
    public abstract Task<LockGrant> Granted { get; }

    /// <summary>
    /// Leaves the queue. Idempotent. Returns true when the ticket was withdrawn before a grant (or
    /// failed), false when the grant had already been made: <see cref="Granted"/> then holds it and the
    /// caller owns it. After a successful withdrawal <see cref="Granted"/> is cancelled, so anyone
    /// awaiting it wakes.
    /// </summary>
    public abstract ValueTask<bool> WithdrawAsync();
}
