using Baton.Backends;
using Baton.Internal;

namespace Baton;

/// <summary>A held exclusive lock or semaphore slot. Dispose it to release.</summary>
public sealed class LockHandle : LockHandleBase
{
    internal LockHandle(Coordinator owner, string name, LockKind kind, LockGrant grant)
        : base(owner, name, kind, grant)
    {
    }

    /// <summary>A fast exclusive hold of a lock (see <see cref="FastHoldOwner"/>).</summary>
    internal LockHandle(Coordinator owner, string name, FastHoldOwner fastOwner, long heldSince)
        : base(owner, name, LockKind.Lock, fastOwner, heldSince)
    {
    }
}
