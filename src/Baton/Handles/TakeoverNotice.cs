namespace Baton;

/// <summary>Why the previous holder of a name did not release it cleanly.</summary>
public enum TakeoverReason
{
    /// <summary>The holder's process died (its connection, session or open file went away).</summary>
    HolderCrashed,

    /// <summary>The holder's lease or session expired.</summary>
    LeaseExpired,

    /// <summary>An operator broke the lock.</summary>
    Broken,

    /// <summary>The holder's coordinator was disposed while the lock was still held.</summary>
    Abandoned,
}

/// <summary>
/// Tells a new holder that the previous one did not release cleanly, so the application can fence or
/// repair the resource before touching it.
/// </summary>
/// <param name="PreviousHolder">Who held the name before, as far as the backend knows.</param>
/// <param name="PreviousFencingToken">The fencing token of that holder; resources should reject it from now on.</param>
/// <param name="Reason">How that hold ended.</param>
/// <param name="EndedAt">When the backend noticed the hold had ended.</param>
public sealed record TakeoverNotice(MemberIdentity PreviousHolder, long PreviousFencingToken, TakeoverReason Reason, DateTimeOffset EndedAt);

/// <summary>Why a handle's lost token fired.</summary>
public enum LossReason
{
    /// <summary>An operator broke the lock.</summary>
    Broken,

    /// <summary>The coordinator that acquired the handle was disposed.</summary>
    CoordinatorDisposed,

    /// <summary>The connection or session to the backend was lost.</summary>
    ConnectionLost,

    /// <summary>The lease could not be renewed before it might have expired.</summary>
    LeaseExpired,
}
