namespace Baton;

/// <summary>
/// A name as the lock-order checker and the deadlock detector tell names apart: its namespace (a lock and
/// either side of a reader-writer lock of the same name are one; a semaphore is another) and its backend.
/// </summary>
/// <param name="Kind">Lock (also a reader-writer lock) or semaphore.</param>
/// <param name="Name">The name.</param>
/// <param name="Backend">The backend URL, password hidden; names of different backends never meet.</param>
public sealed record LockOrderName(LockKind Kind, string Name, string Backend)
{
    /// <summary>Shows the kind, name and backend, such as <c>lock 'orders' on memory://app</c>.</summary>
    public override string ToString() => $"{(Kind == LockKind.Semaphore ? "semaphore" : "lock")} '{Name}' on {Backend}";
}
