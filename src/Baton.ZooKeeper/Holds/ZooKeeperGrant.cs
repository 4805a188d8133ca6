using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Layout;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper.Holds;

/// <summary>
/// One hold: an ephemeral node of the session (a lock's contender node, or a semaphore's lease) plus its hold record.
/// Its lost token fires when the session is lost and when the node is deleted by anyone else (a break, an operator).
/// </summary>
internal sealed class ZooKeeperGrant : LockGrant
{
    private readonly ZooKeeperBackend _backend;
    private CancellationTokenRegistration _sessionLost;
    private LockMode _mode;
    private string _node;
    private string? _marker;
    private int _ended;

    public ZooKeeperGrant(ZooKeeperBackend backend, ZooKeeperClient session, PreparedName name, string owner, string node, LockMode mode, long token, TakeoverNotice? takeover, MemberIdentity member)
        : base(token, takeover)
    {
        _backend = backend;
        _mode = mode;
        _node = node;
        Session = session;
        Name = name;
        Owner = owner;
        Member = member;
    }

    public override LockMode Mode => _mode;

    public ZooKeeperClient Session { get; }

    public PreparedName Name { get; }

    /// <summary>The uuid of the hold: its node names and its record's name.</summary>
    public string Owner { get; }

    public MemberIdentity Member { get; }

    /// <summary>The hold's node (the upgrade's writer node once an upgrade is granted).</summary>
    public string Node => Volatile.Read(ref _node);

    /// <summary>The node marking a downgraded writer node as a reader, while there is one.</summary>
    public string? Marker => _marker;

    private string Record => Name.Record(Owner);

    /// <summary>
    /// Starts watching for the loss of this hold: the session, and the deletion of its node. The watch's request is
    /// not awaited: the session answers in order, so it is in place for anything the server does after it.
    /// </summary>
    public void Watch()
    {
        _sessionLost = Session.SessionLost.Register(static state => ((ZooKeeperGrant)state!).OnSessionLost(), this);
        _ = ArmAsync();
    }

    private async Task ArmAsync()
    {
        var node = Node;
        ZooKeeperStat? stat;
        try
        {
            stat = await Session.ExistsAsync(node, OnNodeEvent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
        {
            // The session is ending: its own signal fires the lost token.
            return;
        }

        if (stat is null && node == Node)
        {
            OnNodeGone();
        }
    }

    private void OnNodeEvent(WatchedEvent watched)
    {
        if (Volatile.Read(ref _ended) != 0 || watched.Path != Node)
        {
            return;
        }

        if (watched.Type == WatchedEventType.NodeDeleted)
        {
            OnNodeGone();
        }
        else if (watched.Type == WatchedEventType.None)
        {
            OnSessionLost();
        }
        else
        {
            // A change of its data (a downgrade): watches fire once, so watch again.
            _ = ArmAsync();
        }
    }

    private void OnNodeGone()
    {
        if (Volatile.Read(ref _ended) == 0)
        {
            // Deleted by someone else while held: an operator's break, or the server ending the session (told before the
            // session's end reaches this process when it was stopped past its deadline).
            SignalLost(Session.SessionLost.IsCancellationRequested || Session.IsPastSessionDeadline ? Baton.LossReason.LeaseExpired : Baton.LossReason.Broken);
        }
    }

    private void OnSessionLost()
    {
        if (Volatile.Read(ref _ended) == 0)
        {
            SignalLost(Baton.LossReason.LeaseExpired);
        }
    }

    public override async ValueTask ReleaseAsync()
    {
        if (!await EndAsync().ConfigureAwait(false) || Session.SessionLost.IsCancellationRequested)
        {
            // Lost: the server deletes the node with the session, and the record stays as the takeover notice it now is.
            return;
        }

        string[] paths = _marker is { } marker ? [marker, Node, Record] : [Node, Record];
        try
        {
            // Deletes only: sent again after a lost answer, an applied one fails on the missing node, handled below.
            await ZooKeeperBackend.RetryLostAsync(Session, () => Session.MultiAsync([.. paths.Select(static p => (ZooKeeperOp)new ZooKeeperOp.Delete(p, -1))], CancellationToken.None)).ConfigureAwait(false);
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
        {
            // Broken meanwhile (the node is gone): the record, if still there, is the next holder's notice.
            await _backend.DeleteQuietlyAsync(Session, Name.Name, paths.Where(p => p != Record).ToArray()).ConfigureAwait(false);
        }
    }

    /// <summary>The coordinator is disposed while this is held: the record says so, the node goes, the lost token fires.</summary>
    public async ValueTask AbandonAsync(DateTimeOffset now)
    {
        if (!await EndAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (!Session.SessionLost.IsCancellationRequested)
            {
                ZooKeeperOp[] ops =
                [
                    new ZooKeeperOp.SetData(Record, new HoldRecord(HoldState.Abandoned, FencingToken, Member, now.UtcTicks).Encode(), -1),
                    new ZooKeeperOp.Delete(Node, -1),
                ];
                await ZooKeeperBackend.RetryLostAsync(Session, () => Session.MultiAsync(ops, CancellationToken.None)).ConfigureAwait(false);
            }
        }
        finally
        {
            SignalLost(Baton.LossReason.CoordinatorDisposed);
        }
    }

    private async ValueTask<bool> EndAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        await _sessionLost.DisposeAsync().ConfigureAwait(false);
        _backend.Forget(this);
        return true;
    }

    public override async ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken)
    {
        if (_mode != LockMode.Shared)
        {
            return AcquisitionStart.Granted(this);
        }

        return await _backend.StartUpgradeAsync(this, wait, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DowngradeAsync(CancellationToken cancellationToken)
    {
        if (_mode != LockMode.Exclusive)
        {
            return;
        }

        _marker = await _backend.DowngradeAsync(this, cancellationToken).ConfigureAwait(false);
        _mode = LockMode.Shared;
    }

    /// <summary>
    /// Before the write that grants an upgrade (and deletes the reader node): from now on the hold's node is the
    /// upgrade's writer node, so the reader node's deletion, which the server reports before its answer, is no loss.
    /// </summary>
    public string SwitchToUpgradeNode(string node) => Interlocked.Exchange(ref _node, node);

    /// <summary>The write that grants the upgrade failed: the hold is the reader node again; if that is gone, it is lost.</summary>
    public void SwitchBack(string readerNode, bool readerGone)
    {
        Volatile.Write(ref _node, readerNode);
        if (readerGone)
        {
            OnNodeGone();
        }
    }

    /// <summary>An upgrade was granted: exclusive now, on the upgrade's writer node, with its creation zxid as the token.</summary>
    public void Upgraded(long token)
    {
        _marker = null;
        _mode = LockMode.Exclusive;
        FencingToken = token;
        _ = ArmAsync();
    }
}
