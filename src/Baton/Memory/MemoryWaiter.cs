using Baton.Backends;
using Baton.Internal;

namespace Baton.Memory;

/// <summary>A queued request for a memory name: a node of the state's FIFO list and the ticket the core awaits.</summary>
internal sealed class MemoryWaiter : AcquisitionTicket
{
    private readonly long _since;
    private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MemoryWaiter(MemoryLockState state, MemoryBackend session, LockMode mode, MemberIdentity member, MemoryGrant? upgrading = null)
    {
        State = state;
        Session = session;
        Mode = mode;
        Member = member;
        Upgrading = upgrading;
        _since = HoldClock.Stamp(session.TimeProvider);
    }

    public MemoryLockState State { get; }

    public MemoryBackend Session { get; }

    public LockMode Mode { get; }

    public MemberIdentity Member { get; }

    /// <summary>The shared grant this request upgrades, or null for a new acquisition.</summary>
    public MemoryGrant? Upgrading { get; }

    // Queue links and outcome: changed only under the state's gate.
    public MemoryWaiter? Previous { get; set; }

    public MemoryWaiter? Next { get; set; }

    public bool IsGranted { get; private set; }

    public bool IsDone { get; private set; }

    public override Task<LockGrant> Granted => _granted.Task;

    public override ValueTask<bool> WithdrawAsync() => new(State.Withdraw(this));

    public void Grant(MemoryGrant grant)
    {
        IsGranted = true;
        IsDone = true;
        _granted.TrySetResult(grant);
    }

    public void Cancel()
    {
        IsDone = true;
        _granted.TrySetCanceled();
    }

    public void Fail(Exception exception)
    {
        IsDone = true;
        _granted.TrySetException(exception);
    }

    public LockWaiter Describe() => new(Member, Mode, HoldClock.ToTime(_since, Session.TimeProvider));
}
