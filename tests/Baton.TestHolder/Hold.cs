namespace Baton.TestHolder;

/// <summary>One hold of the holder — a lock handle, a leadership or a group membership — seen alike by the protocol.</summary>
internal sealed class Hold
{
    private readonly Func<long> _token;
    private readonly Func<bool> _isLost;
    private readonly Func<bool> _isReleased;
    private readonly Func<LossReason?> _lossReason;
    private readonly Func<ValueTask> _release;

    private Hold(
        object inner, Func<long> token, TakeoverNotice? takeover, Func<bool> isLost, Func<bool> isReleased,
        Func<LossReason?> lossReason, Func<ValueTask> release, CancellationToken lostToken)
    {
        Inner = inner;
        _token = token;
        Takeover = takeover;
        LostToken = lostToken;
        _isLost = isLost;
        _isReleased = isReleased;
        _lossReason = lossReason;
        _release = release;
    }

    /// <summary>The handle, leadership or membership itself.</summary>
    public object Inner { get; }

    public long FencingToken => _token();

    public TakeoverNotice? Takeover { get; }

    public CancellationToken LostToken { get; }

    public bool IsLost => _isLost();

    public bool IsReleased => _isReleased();

    public LossReason? LossReason => _lossReason();

    public static Hold Of(LockHandleBase h) =>
        new(h, () => h.FencingToken, h.Takeover, () => h.IsLost, () => h.IsReleased, () => h.LossReason, h.ReleaseAsync, h.LostToken);

    public static Hold Of(Leadership l) =>
        new(l, () => l.Term, l.Takeover, () => l.IsLost, () => l.IsResigned, () => l.LossReason, l.ResignAsync, l.LostToken);

    public static Hold Of(GroupMembership m) =>
        new(m, () => m.Token, null, () => m.IsLost, () => m.HasLeft, () => m.LossReason, m.LeaveAsync, m.LostToken);

    public ValueTask ReleaseAsync() => _release();
}
