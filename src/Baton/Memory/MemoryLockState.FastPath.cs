using Baton.Backends;
using Baton.Internal;

namespace Baton.Memory;

/// <summary>The lock-free exclusive path of a name, and the moves between fast and slow mode.</summary>
internal sealed partial class MemoryLockState
{
    /// <summary>
    /// An uncontended exclusive lock as one object: the handle is the holder. Null when the name is not
    /// idle in fast mode (or the session is closing): the caller then takes the general path, which
    /// queues, retries a swept state, or reports the disposal.
    /// </summary>
    public LockHandle? TryAcquireFast(MemoryBackend session, Coordinator coordinator, string name)
    {
        if (Volatile.Read(ref _fast) is not null)
        {
            return null;
        }

        var handle = new LockHandle(coordinator, name, this, HoldClock.Stamp(session.TimeProvider));
        if (Interlocked.CompareExchange(ref _fast, handle, null) is not null)
        {
            return null;
        }

        PublishFastToken(handle);
        if (session.IsDisposed)
        {
            // The session's disposal may have swept this state before the swap: undo, as it would have. When
            // the swap fails, the disposal got here first and ended the hold as abandoned; but it was never
            // handed out, so nobody may be told of it.
            if (!TryReleaseFast(handle))
            {
                ForgetNeverHandedOut(handle.FencingToken);
            }

            return null;
        }

        return handle;
    }

    /// <inheritdoc/>
    public override bool TryReleaseFast(LockHandleBase handle) => Interlocked.CompareExchange(ref _fast, null, handle) == handle;

    /// <inheritdoc/>
    public override bool WaitForAdoption(LockHandleBase handle)
    {
        // Adoption happens under the gate, so once inside it is complete.
        lock (_gate)
        {
            return handle.HasGrant;
        }
    }

    /// <inheritdoc/>
    public override bool Adopt(LockHandleBase handle)
    {
        lock (_gate)
        {
            using var slow = EnterSlowMode();
            return handle.HasGrant;
        }
    }

    /// <summary>Releases a grant of the general path that is still the fast holder; false when it is not.</summary>
    private bool TryReleaseFast(MemoryGrant grant) => Interlocked.CompareExchange(ref _fast, null, grant) == grant;

    /// <summary>The lock-free exclusive acquire of an idle name for the general path: null when someone else got there first.</summary>
    private MemoryGrant? TryStartFast(MemoryBackend session, MemberIdentity member)
    {
        session.ThrowIfDisposed();
        var grant = new MemoryGrant(this, session, LockMode.Exclusive, member, fencingToken: 0, takeover: null);
        if (Interlocked.CompareExchange(ref _fast, grant, null) is not null)
        {
            return null;
        }

        // Winning the swap makes this the only writer of the counter until the token is published;
        // a concurrent move to slow mode waits for that publication.
        var token = _fencingCounter + 1;
        _fencingCounter = token;
        grant.PublishToken(token);

        if (session.IsDisposed)
        {
            if (!TryReleaseFast(grant))
            {
                ForgetNeverHandedOut(token);
            }

            session.ThrowIfDisposed();
        }

        return grant;
    }

    /// <summary>
    /// A fast hold that the closing session ended before its acquirer could return it: withdraws the takeover
    /// notice its end left for the next holder, since no caller ever held it.
    /// </summary>
    private void ForgetNeverHandedOut(long fencingToken)
    {
        lock (_gate)
        {
            using var slow = EnterSlowMode();
            if (_pendingTakeover?.PreviousFencingToken == fencingToken)
            {
                _pendingTakeover = null;
            }
        }
    }

    /// <summary>Winning the swap makes this the only writer of the counter until the token is published.</summary>
    private void PublishFastToken(LockHandleBase handle)
    {
        var token = _fencingCounter + 1;
        _fencingCounter = token;
        handle.PublishFastToken(token);
    }

    /// <summary>Under the gate: the fast holder as a listing shows it, or null in slow mode or when idle.</summary>
    private LockHolder? DescribeFastHolder()
    {
        switch (Volatile.Read(ref _fast))
        {
            case MemoryGrant grant:
                grant.WaitUntilPublished();
                return grant.Describe();
            case LockHandle handle:
                var token = WaitUntilPublished(handle);
                return new LockHolder(
                    handle.Acquirer.Member, LockMode.Exclusive, token, HoldClock.ToTime(handle.FastHeldSince, handle.Acquirer.TimeProvider));
            default:
                return null;
        }
    }

    /// <summary>
    /// Under the gate: from here on, everything lives in the fields the gate guards. Dispose the returned
    /// scope, still under the gate, to go back to fast mode if the name is then idle.
    /// </summary>
    private SlowModeScope EnterSlowMode()
    {
        var current = Volatile.Read(ref _fast);
        while (!ReferenceEquals(current, SlowMode))
        {
            var seen = Interlocked.CompareExchange(ref _fast, SlowMode, current);
            if (ReferenceEquals(seen, current))
            {
                if (current is MemoryGrant holder)
                {
                    holder.WaitUntilPublished();
                    _holders.Add(holder);
                }
                else if (current is LockHandle handle)
                {
                    AdoptFastHandle(handle);
                }

                break;
            }

            current = seen;
        }

        return new SlowModeScope(this);
    }

    /// <summary>Under the gate: gives a fast handle its grant, so the slow mode sees it as any other holder.</summary>
    private void AdoptFastHandle(LockHandleBase handle)
    {
        var token = WaitUntilPublished(handle);
        var session = (MemoryBackend)handle.Acquirer.Backend;
        var grant = new MemoryGrant(this, session, LockMode.Exclusive, session.Member, token, takeover: null, handle.FastHeldSince);
        handle.AttachAdoptedGrant(grant);
        _holders.Add(grant);
    }

    private static long WaitUntilPublished(LockHandleBase handle)
    {
        var spinner = default(SpinWait);
        long token;
        while ((token = handle.PublishedFastToken) == 0)
        {
            spinner.SpinOnce();
        }

        return token;
    }

    /// <summary>Under the gate: an idle, live name goes back to lock-free acquisition.</summary>
    private void LeaveSlowModeIfIdle()
    {
        if (!_retired && IsIdle)
        {
            Volatile.Write(ref _fast, null);
        }
    }

    /// <summary>Returns the state to fast mode on every way out of a gated operation.</summary>
    private readonly ref struct SlowModeScope(MemoryLockState state)
    {
        public void Dispose() => state.LeaveSlowModeIfIdle();
    }
}
