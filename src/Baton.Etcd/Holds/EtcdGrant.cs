using Baton.Backends;
using Baton.Etcd.Connection;
using Baton.Etcd.Keys;
using Baton.Etcd.Queue;
using Etcdserverpb;
using Google.Protobuf;

namespace Baton.Etcd.Holds;

/// <summary>
/// One hold: a contender key (attached to the session's lease) plus its hold record. Its lost token fires when the
/// lease is lost and when the key is deleted by anyone else (a break, a lease revoked by an operator). Every write
/// compares the key's create revision, so a retried or late request never touches a newer key of the same suffix.
/// </summary>
internal sealed class EtcdGrant : LockGrant
{
    private readonly EtcdBackend _backend;
    private readonly SuffixClaim _claim;
    private CancellationTokenRegistration _sessionLost;
    private EtcdWatch? _keyWatch;
    private LockMode _mode;
    private int _ended;

    public EtcdGrant(EtcdBackend backend, LeaseSession session, SuffixClaim claim, ByteString key, long createRevision, LockMode mode, long token, TakeoverNotice? takeover, MemberIdentity member)
        : base(token, takeover)
    {
        _backend = backend;
        _claim = claim;
        _mode = mode;
        Session = session;
        Key = key;
        CreateRevision = createRevision;
        Member = member;
    }

    public override LockMode Mode => _mode;

    public LeaseSession Session { get; }

    public ByteString Key { get; }

    public long CreateRevision { get; }

    public MemberIdentity Member { get; }

    public PreparedName Name => _claim.Name;

    public ByteString Record => _claim.Name.Record(_claim.Suffix);

    /// <summary>Starts watching for the loss of this hold: the session's lease, and deletion of the key from <paramref name="revision"/> on.</summary>
    public async Task WatchAsync(long revision)
    {
        _sessionLost = Session.Lost.Register(static state => ((EtcdGrant)state!).OnSessionLost(), this);
        _keyWatch = await _backend.Hub.WatchAsync(Key, null, revision + 1, OnKeyEvents, OnKeyWatchCompacted, CancellationToken.None).ConfigureAwait(false);
    }

    private void OnSessionLost()
    {
        if (Volatile.Read(ref _ended) == 0)
        {
            SignalLost(Session.LossReason);
        }
    }

    private void OnKeyEvents(IReadOnlyList<Mvccpb.Event> events)
    {
        if (Volatile.Read(ref _ended) == 0 && events.Any(e => e.Type == Mvccpb.Event.Types.EventType.Delete))
        {
            // Deleted by someone else while held: an operator's break, or etcd ending the lease.
            SignalLost(Session.CheckExpired() ? Session.LossReason : Baton.LossReason.Broken);
        }
    }

    private void OnKeyWatchCompacted() => _ = _backend.RecheckAsync(this);

    /// <summary>The key is gone: the hold is over (checked after a watch could not resume).</summary>
    public void OnKeyGone() => OnKeyEvents([new Mvccpb.Event { Type = Mvccpb.Event.Types.EventType.Delete }]);

    public override async ValueTask ReleaseAsync()
    {
        if (!await EndAsync().ConfigureAwait(false))
        {
            return;
        }

        if (Session.IsLost)
        {
            // The lease is gone or going: etcd deletes the key with it, and the record stays as the takeover notice
            // it now is. Nothing to wait for (etcd may be unreachable).
            _claim.Dispose();
            return;
        }

        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(Key, CreateRevision));
        txn.Success.Add(Ops.Delete(Key));
        txn.Success.Add(Ops.Delete(Record));
        try
        {
            await _backend.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            // Only now: a new request of this coordinator reusing the suffix must not put its key before this delete.
            _claim.Dispose();
        }
    }

    /// <summary>The coordinator is disposed while this is held: the record says so, the key goes, the lost token fires.</summary>
    public async ValueTask AbandonAsync(DateTimeOffset now)
    {
        if (!await EndAsync().ConfigureAwait(false))
        {
            return;
        }

        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(Key, CreateRevision));
        txn.Success.Add(Ops.Put(Record, new HoldRecord(HoldState.Abandoned, CreateRevision, FencingToken, Member, now.UtcTicks).Encode()));
        txn.Success.Add(Ops.Delete(Key));
        try
        {
            await _backend.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _claim.Dispose();
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
        if (_keyWatch is not null)
        {
            await _keyWatch.DisposeAsync().ConfigureAwait(false);
        }

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

        // In place: the key keeps its create revision (its place in the queue), so the hold never lapses, and
        // readers waiting behind it see the change on the key they watch.
        await _backend.SetModeAsync(this, ContenderMode.Shared, FencingToken, cancellationToken).ConfigureAwait(false);
        _mode = LockMode.Shared;
    }

    /// <summary>An upgrade was granted: now exclusive, with the revision of the upgrade as the new token.</summary>
    public void Upgraded(long token)
    {
        _mode = LockMode.Exclusive;
        FencingToken = token;
    }

    public ContenderValue Value(ContenderMode mode, long token) =>
        new(mode, 1, _claim.SinceTicks, Member, token);
}
