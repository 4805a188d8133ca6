namespace Baton;

/// <summary>
/// What kind of primitive a name belongs to. Locks, reader-writer locks and elections share names; semaphores and
/// groups each have their own.
/// </summary>
public enum LockKind
{
    /// <summary>An exclusive lock or a reader-writer lock (an exclusive lock is the writer side of the reader-writer lock of the same name).</summary>
    Lock,

    /// <summary>A counting semaphore.</summary>
    Semaphore,

    /// <summary>
    /// A membership group: every member is a shared holder of the group's name (never exclusive), with its member
    /// id and capabilities in <see cref="MemberIdentity"/>. Backends keep group names apart from lock and semaphore names.
    /// </summary>
    Group,
}

/// <summary>How a holder holds, or a waiter wants, a name.</summary>
public enum LockMode
{
    /// <summary>Alone: an exclusive lock, or the writer of a reader-writer lock.</summary>
    Exclusive,

    /// <summary>Together with other readers of a reader-writer lock.</summary>
    Shared,

    /// <summary>One of the slots of a semaphore.</summary>
    Semaphore,
}

/// <summary>One name that is held or awaited, as a backend listing shows it.</summary>
/// <param name="Name">The lock's name.</param>
/// <param name="Kind">Lock, semaphore or group.</param>
/// <param name="MaxCount">The semaphore's number of slots; 1 for locks.</param>
/// <param name="Holders">Who holds it, oldest first.</param>
/// <param name="Waiters">Who waits for it, in the order they will be served where the backend has an order.</param>
/// <param name="ObservedAt">When the backend was read, to compute held-for and waited-for times.</param>
public sealed record LockInfo(
    string Name,
    LockKind Kind,
    int MaxCount,
    IReadOnlyList<LockHolder> Holders,
    IReadOnlyList<LockWaiter> Waiters,
    DateTimeOffset ObservedAt);

/// <summary>A holder of a name.</summary>
/// <param name="Member">Who holds it.</param>
/// <param name="Mode">How it is held.</param>
/// <param name="FencingToken">The fencing token its acquisition returned.</param>
/// <param name="Since">When it was acquired.</param>
public sealed record LockHolder(MemberIdentity Member, LockMode Mode, long FencingToken, DateTimeOffset Since);

/// <summary>A waiter for a name.</summary>
/// <param name="Member">Who waits.</param>
/// <param name="Mode">What it waits for.</param>
/// <param name="Since">When it started waiting.</param>
public sealed record LockWaiter(MemberIdentity Member, LockMode Mode, DateTimeOffset Since);
