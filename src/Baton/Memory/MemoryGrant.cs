using Baton.Backends;
using Baton.Internal;

namespace Baton.Memory;

/// <summary>One hold of a memory name. Its mutable fields change only under the state's gate.</summary>
internal sealed class MemoryGrant : LockGrant
{
    private readonly long _since;
    private volatile LockMode _mode;
    private volatile bool _published;

    // heldSince: the HoldClock stamp of a fast hold being adopted; null for now.
    public MemoryGrant(
        MemoryLockState state, MemoryBackend session, LockMode mode, MemberIdentity member, long fencingToken, TakeoverNotice? takeover, long? heldSince = null)
        : base(fencingToken, takeover)
    {
        State = state;
        Session = session;
        _mode = mode;
        Member = member;
        _since = heldSince ?? HoldClock.Stamp(session.TimeProvider);
        _published = fencingToken != 0;
    }

    public MemoryLockState State { get; }

    public MemoryBackend Session { get; }

    public MemberIdentity Member { get; }

    public override LockMode Mode => _mode;

    public void SetMode(LockMode mode, long fencingToken)
    {
        _mode = mode;
        FencingToken = fencingToken;
    }

    public void SetMode(LockMode mode) => _mode = mode;

    /// <summary>Sets the token of a lock-free grant; readers of a fast holder wait for it.</summary>
    public void PublishToken(long fencingToken)
    {
        FencingToken = fencingToken;
        _published = true;
    }

    public void WaitUntilPublished()
    {
        var spinner = default(SpinWait);
        while (!_published)
        {
            spinner.SpinOnce();
        }
    }

    public void MarkLost(LossReason reason) => SignalLost(reason);

    public override ValueTask ReleaseAsync()
    {
        State.Release(this);
        return default;
    }

    public override ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken) =>
        new(State.StartUpgrade(this, wait));

    public override ValueTask DowngradeAsync(CancellationToken cancellationToken)
    {
        State.Downgrade(this);
        return default;
    }

    public LockHolder Describe() => new(Member, _mode, FencingToken, HoldClock.ToTime(_since, Session.TimeProvider));
}
