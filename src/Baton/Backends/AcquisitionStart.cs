namespace Baton.Backends;

/// <summary>
/// What a backend answers when an acquisition starts: granted at once, denied (only when the request
/// did not wait), or queued with a ticket that completes later.
/// </summary>
public readonly struct AcquisitionStart
{
    private AcquisitionStart(LockGrant? grant, AcquisitionTicket? ticket)
    {
        Grant = grant;
        Ticket = ticket;
    }

    /// <summary>The grant, when the name was acquired at once.</summary>
    public LockGrant? Grant { get; }

    /// <summary>The queue ticket, when the request waits.</summary>
    public AcquisitionTicket? Ticket { get; }

    /// <summary>True when the request was denied without waiting.</summary>
    public bool IsDenied => Grant is null && Ticket is null;

    /// <summary>The name was acquired at once.</summary>
    /// <param name="grant">The grant.</param>
    public static AcquisitionStart Granted(LockGrant grant) => new(grant ?? throw new ArgumentNullException(nameof(grant)), null);

    /// <summary>The name is taken and the request did not wait.</summary>
    public static AcquisitionStart Denied => default;

    /// <summary>The request joined the queue.</summary>
    /// <param name="ticket">The ticket that completes on the grant.</param>
    public static AcquisitionStart Queued(AcquisitionTicket ticket) => new(null, ticket ?? throw new ArgumentNullException(nameof(ticket)));
}
