using Baton.Backends;

namespace Baton.Memory;

/// <summary>One hold of a memory name. Its mutable fields change only under the state's gate.</summary>
internal sealed class MemoryGrant : LockGrant
{
    private volatile LockMode _mode;

    public MemoryGrant(MemoryLockState state, MemoryBackend session, LockMode mode, MemberIdentity member, long fencingToken, TakeoverNotice? takeover)
        : base(fencingToken, takeover)
    {
        State = state;
        Session = session;
        _mode = mode;
        Member = member;
        Since = session.TimeProvider.GetUtcNow();
    }

    public MemoryLockState State { get; }

    public MemoryBackend Session { get; }

    public MemberIdentity Member { get; }

    public DateTimeOffset Since { get; }

    public override LockMode Mode => _mode;

    public void SetMode(LockMode mode, long fencingToken)
    {
        _mode = mode;
        FencingToken = fencingToken;
    }

    public void SetMode(LockMode mode) => _mode = mode;

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

    public LockHolder Describe() => new(Member, _mode, FencingToken, Since);
}
