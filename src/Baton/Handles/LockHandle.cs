using Baton.Backends;

namespace Baton;

/// <summary>A held exclusive lock or semaphore slot. Dispose it to release.</summary>
public sealed class LockHandle : LockHandleBase
{
    internal LockHandle(Coordinator owner, string name, LockKind kind, LockGrant grant)
        : base(owner, name, kind, grant)
    {
    }
}
