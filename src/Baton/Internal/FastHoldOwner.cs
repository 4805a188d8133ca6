using Baton.Backends;

namespace Baton.Internal;

/// <summary>
/// A name's state in an in-process backend that hands out an uncontended exclusive hold as the public
/// <see cref="LockHandle"/> itself: one allocation per hold instead of a grant plus a handle. The state
/// records the handle as its holder; a <see cref="LockGrant"/> is made for it ("adoption") only when
/// something needs one — a lost token, a waiter, a break — and from then on the handle works through
/// that grant like any other.
/// </summary>
internal abstract class FastHoldOwner
{
    /// <summary>Releases a hold that was never adopted; false when it was adopted, or already released.</summary>
    public abstract bool TryReleaseFast(LockHandleBase handle);

    /// <summary>Waits out a concurrent adoption; true when the handle now has its grant, false when it was released.</summary>
    public abstract bool WaitForAdoption(LockHandleBase handle);

    /// <summary>Adopts the handle now (it needs a grant, e.g. for its lost token); false when it was released.</summary>
    public abstract bool Adopt(LockHandleBase handle);
}
