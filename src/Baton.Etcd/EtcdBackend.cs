using Baton.Backends;
using Baton.Etcd.Connection;
using Baton.Etcd.Holds;
using Baton.Etcd.Introspection;
using Baton.Etcd.Keys;
using Baton.Etcd.Queue;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Baton.Etcd;

/// <summary>
/// One coordinator on etcd: one channel, one lease kept alive over one stream, one watch stream. Every request is a
/// contender key under <c>&lt;prefix&gt;&lt;name&gt;/</c> attached to the lease; its create revision is its place in the queue
/// and its fencing token (see <see cref="QueueRules"/>). An uncontended acquisition is one transaction: "if nobody
/// contends, put my key and my hold record" (one raft write); a release is another.
/// </summary>
internal sealed class EtcdBackend : CoordinationBackend
{
    /// <summary>Every unary call gives up after this, so nothing hangs on a silent cluster; waits are watches, not calls.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly EtcdConnection _connection;
    private readonly EtcdOptions _options;
    private readonly BackendContext _context;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sessionGate = new(1, 1);
    private readonly Lock _gate = new();
    private readonly HashSet<EtcdGrant> _grants = [];
    private readonly HashSet<EtcdTicket> _tickets = [];
    private readonly List<LeaseSession> _sessions = [];
    private readonly SuffixClaims _claims = new();
    private LeaseSession? _session;
    private bool _disposed;

    private EtcdBackend(EtcdConnection connection, EtcdOptions options, BackendContext context)
    {
        _connection = connection;
        _options = options;
        _context = context;
        _logger = context.LoggerFactory.CreateLogger("Baton.Etcd");
        Layout = new KeyLayout(options.Prefix);
        Hub = new WatchHub(connection, _logger);
    }

    public KeyLayout Layout { get; }

    public WatchHub Hub { get; }

    public string DisplayUrl => _options.DisplayUrl;

    private TimeProvider Time => _context.TimeProvider;

    public static async Task<EtcdBackend> ConnectAsync(EtcdOptions options, BackendContext context, CancellationToken cancellationToken)
    {
        EtcdConnection connection;
        try
        {
            connection = await EtcdConnection.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument || e.StatusCode == StatusCode.Unauthenticated || e.StatusCode == StatusCode.FailedPrecondition)
        {
            throw new BackendUnavailableException($"etcd at {options.DisplayUrl} refused the user name or password ({e.Status.Detail}).", e);
        }
        catch (RpcException e)
        {
            throw Unavailable(options.DisplayUrl, "cannot authenticate", e);
        }

        var backend = new EtcdBackend(connection, options, context);
        try
        {
            await backend.EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
            await backend.ProbeAccessAsync(cancellationToken).ConfigureAwait(false);
            return backend;
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Reads one key under the prefix, so a cluster with authentication that refuses this user (or no user) says so
    /// at connect, not at the first acquisition (etcd grants leases to anyone).
    /// </summary>
    private async Task ProbeAccessAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.RunAsync(
                options => _connection.Kv.RangeAsync(new RangeRequest { Key = Layout.All, RangeEnd = Layout.AllEnd, Limit = 1, KeysOnly = true }, options),
                cancellationToken,
                CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument or StatusCode.Unauthenticated)
        {
            throw new BackendUnavailableException(
                $"etcd at {DisplayUrl} refused access to the prefix '{_options.Prefix}' ({e.Status.Detail}): give a user name and password with read and write rights on it in the URL.", e);
        }
        catch (RpcException e)
        {
            throw Unavailable(DisplayUrl, "a read failed", e);
        }
    }

    public override object? PrepareName(LockKind kind, string name) => new PreparedName(Layout, kind, name);

    public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var name = request.PreparedName as PreparedName ?? new PreparedName(Layout, request.Kind, request.Name);
        var session = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        var now = Time.GetUtcNow();
        var claim = _claims.Claim(name, session.LeaseHex, now.UtcTicks);
        var handedOff = false;
        try
        {
            var key = KeyLayout.Key(name.Contenders, claim.Suffix);
            var value = new ContenderValue(ModeOf(request), request.MaxCount, now.UtcTicks, request.Member);

            // Alone: my key and my hold record in one write, reading the records left by holds that did not end cleanly
            // first. Otherwise: my key, and the queue as it stands with it.
            var txn = new TxnRequest();
            txn.Compare.Add(Ops.Empty(name.Contenders, name.ContendersEnd));
            txn.Success.Add(Ops.Range(name.Records, name.RecordsEnd));
            txn.Success.Add(Ops.Put(key, value.Encode(), session.LeaseId));
            txn.Success.Add(Ops.Put(name.Record(claim.Suffix), new HoldRecord(HoldState.Holding, 0, 0, request.Member).Encode()));
            txn.Failure.Add(Ops.Put(key, value.Encode(), session.LeaseId));
            txn.Failure.Add(Ops.Range(name.Contenders, name.ContendersEnd));

            // Not cancellable: a request cancelled in flight may still have put the key, and only its answer says
            // which key to take back. The call timeout bounds it; the core undoes a start that finishes late.
            TxnResponse response;
            try
            {
                response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
            }
            catch (BackendUnavailableException)
            {
                await TryDeleteAsync(key).ConfigureAwait(false);
                throw;
            }

            var revision = response.Header.Revision;
            if (response.Succeeded)
            {
                var self = new Contender(key, claim.Suffix, revision, revision, session.LeaseId, value);
                var (takeover, dead) = Takeovers.Find(response.Responses[0].ResponseRange.Kvs, name, [self], now);
                await CleanupAsync(dead).ConfigureAwait(false);
                var grant = await RegisterAsync(new EtcdGrant(this, session, claim, key, revision, request.Mode, revision, takeover, request.Member), revision).ConfigureAwait(false);
                handedOff = true;
                return AcquisitionStart.Granted(grant);
            }

            // The key's create revision as etcd has it: when a retried request had been applied already (the answer
            // was lost in a leader change), the second put kept the first one's revision.
            var queue = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
            var index = queue.FindIndex(c => c.Key == key);
            if (index < 0)
            {
                throw new BackendUnavailableException($"etcd at {DisplayUrl} lost the key of a request for '{name.Name}' as it was written (its lease expired?).");
            }

            var created = queue[index].CreateRevision;
            try
            {
                CheckCount(queue, name, request.MaxCount);
            }
            catch (InvalidOperationException)
            {
                await DeleteContenderAsync(key, created).ConfigureAwait(false);
                throw;
            }

            if (QueueRules.Evaluate(queue, index, name.Kind, request.MaxCount).Holds)
            {
                var grant = await FinishGrantAsync(session, claim, key, created, request, cancellationToken).ConfigureAwait(false);
                handedOff = true;
                return AcquisitionStart.Granted(grant);
            }

            if (!request.Wait)
            {
                await DeleteContenderAsync(key, created).ConfigureAwait(false);
                return AcquisitionStart.Denied;
            }

            var ticket = new EtcdAcquireTicket(this, session, claim, key, created, request);
            lock (_gate)
            {
                ThrowIfDisposedLocked();
                _tickets.Add(ticket);
            }

            handedOff = true;
            ticket.Start(queue, revision);
            return AcquisitionStart.Queued(ticket);
        }
        finally
        {
            if (!handedOff)
            {
                claim.Dispose();
            }
        }
    }

    /// <summary>
    /// Makes the grant of a contender that may hold: writes its hold record (if its key is still the one it queued
    /// with) and reads the records of holds that did not end cleanly, for the takeover notice.
    /// </summary>
    public async Task<EtcdGrant> FinishGrantAsync(LeaseSession session, SuffixClaim claim, ByteString key, long createRevision, AcquisitionRequest request, CancellationToken cancellationToken)
    {
        var name = claim.Name;
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(key, createRevision));
        txn.Success.Add(Ops.Range(name.Records, name.RecordsEnd));
        txn.Success.Add(Ops.Range(name.Contenders, name.ContendersEnd));
        txn.Success.Add(Ops.Put(name.Record(claim.Suffix), new HoldRecord(HoldState.Holding, createRevision, createRevision, request.Member).Encode()));

        // Not cancellable, for the same reason as the start: a record written by a request seen as cancelled would be
        // taken for a crashed hold.
        cancellationToken.ThrowIfCancellationRequested();
        var response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new BackendUnavailableException($"The request for '{name.Name}' on {DisplayUrl} lost its key before it could hold (its lease expired, or an operator removed it).");
        }

        var live = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
        var (takeover, dead) = Takeovers.Find(response.Responses[0].ResponseRange.Kvs, name, live, Time.GetUtcNow());
        await CleanupAsync(dead).ConfigureAwait(false);
        return await RegisterAsync(
            new EtcdGrant(this, session, claim, key, createRevision, request.Mode, createRevision, takeover, request.Member),
            response.Header.Revision).ConfigureAwait(false);
    }

    /// <summary>
    /// For a waiting writer: if its key is still there and no key under the name is older, writes its hold record and
    /// returns the grant; otherwise returns the queue as it stands, in the same round trip. (Keys of a longer name or
    /// of the semaphore under the same prefix also count as older here; the queue then decides, as in any read.)
    /// </summary>
    public async Task<(LockGrant? Grant, IReadOnlyList<Contender> Queue, long Revision)> TryHoldFirstAsync(
        LeaseSession session, SuffixClaim claim, ByteString key, long createRevision, AcquisitionRequest request, CancellationToken cancellationToken)
    {
        var name = claim.Name;
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(key, createRevision));
        txn.Compare.Add(Ops.NoneOlder(name.Contenders, name.ContendersEnd, createRevision));
        txn.Success.Add(Ops.Range(name.Records, name.RecordsEnd));
        txn.Success.Add(Ops.Range(name.Contenders, name.ContendersEnd));
        txn.Success.Add(Ops.Put(name.Record(claim.Suffix), new HoldRecord(HoldState.Holding, createRevision, createRevision, request.Member).Encode()));
        txn.Failure.Add(Ops.Range(name.Contenders, name.ContendersEnd));
        cancellationToken.ThrowIfCancellationRequested();
        var response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            return (null, QueueRules.Contenders(response.Responses[0].ResponseRange, name.Contenders, name.Kind), response.Header.Revision);
        }

        var live = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
        var (takeover, dead) = Takeovers.Find(response.Responses[0].ResponseRange.Kvs, name, live, Time.GetUtcNow());
        await CleanupAsync(dead).ConfigureAwait(false);
        var grant = await RegisterAsync(
            new EtcdGrant(this, session, claim, key, createRevision, request.Mode, createRevision, takeover, request.Member),
            response.Header.Revision).ConfigureAwait(false);
        return (grant, live, response.Header.Revision);
    }

    private async Task<EtcdGrant> RegisterAsync(EtcdGrant grant, long revision)
    {
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            if (!disposed)
            {
                _grants.Add(grant);
            }
        }

        if (disposed)
        {
            // Nobody will ever receive this hold: it ends cleanly, not as an abandonment.
            await grant.ReleaseAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(Coordinator));
        }

        await grant.WatchAsync(revision).ConfigureAwait(false);
        return grant;
    }

    public async ValueTask<AcquisitionStart> StartUpgradeAsync(EtcdGrant grant, bool wait, CancellationToken cancellationToken)
    {
        var name = grant.Name;
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(grant.Key, grant.CreateRevision));
        txn.Success.Add(Ops.Put(grant.Key, grant.Value(ContenderMode.Upgrading, 0).Encode(), grant.Session.LeaseId));
        txn.Success.Add(Ops.Range(name.Contenders, name.ContendersEnd));

        // Writes are never cancelled in flight (their outcome must be known to be undone): the caller's token is
        // checked before and after.
        cancellationToken.ThrowIfCancellationRequested();
        var response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new BackendUnavailableException($"The read lock on '{name.Name}' on {DisplayUrl} is no longer held (its key is gone), so it cannot be upgraded.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            await SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var upgradeRevision = response.Header.Revision;
        var queue = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
        if (queue.Any(c => c.Mode == ContenderMode.Upgrading && c.ModRevision < upgradeRevision && c.Key != grant.Key))
        {
            await SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None).ConfigureAwait(false);
            throw new DeadlockException(
                $"Two readers of '{name.Name}' tried to upgrade at once; each would wait for the other to leave. Release the read lock and take the write lock instead, or let one reader upgrade at a time.");
        }

        var index = queue.FindIndex(c => c.Key == grant.Key);
        if (index >= 0 && QueueRules.Holders(queue, name.Kind, 1)[index] == LockMode.Exclusive)
        {
            await RecordUpgradeAsync(grant, upgradeRevision, cancellationToken).ConfigureAwait(false);
            grant.Upgraded(upgradeRevision);
            return AcquisitionStart.Granted(grant);
        }

        if (!wait)
        {
            await SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None).ConfigureAwait(false);
            return AcquisitionStart.Denied;
        }

        var ticket = new EtcdUpgradeTicket(this, grant, upgradeRevision);
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            _tickets.Add(ticket);
        }

        ticket.Start(queue, upgradeRevision);
        return AcquisitionStart.Queued(ticket);
    }

    /// <summary>Writes the upgraded token into the hold record, so a takeover after a crash names it.</summary>
    public async Task RecordUpgradeAsync(EtcdGrant grant, long token, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(grant.Key, grant.CreateRevision));
        txn.Success.Add(Ops.Put(grant.Record, new HoldRecord(HoldState.Holding, grant.CreateRevision, token, grant.Member).Encode()));
        cancellationToken.ThrowIfCancellationRequested();
        await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Rewrites a held key's mode in place (same create revision: same place in the queue).</summary>
    public async Task SetModeAsync(EtcdGrant grant, ContenderMode mode, long token, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(grant.Key, grant.CreateRevision));
        txn.Success.Add(Ops.Put(grant.Key, grant.Value(mode, token == grant.CreateRevision ? 0 : token).Encode(), grant.Session.LeaseId));
        cancellationToken.ThrowIfCancellationRequested();
        await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
    }

    public async Task DeleteContenderAsync(ByteString key, long createRevision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(key, createRevision));
        txn.Success.Add(Ops.Delete(key));
        await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Deletes a key whose creation may or may not have happened (its request failed): best effort, the lease ends it otherwise.</summary>
    private async Task TryDeleteAsync(ByteString key)
    {
        try
        {
            await _connection.RunAsync(options => _connection.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = key }, options), CancellationToken.None, CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
    }

    public async Task<(List<Contender> Queue, long Revision)> ReadQueueAsync(PreparedName name, CancellationToken cancellationToken)
    {
        var range = await RangeAsync(name.Contenders, name.ContendersEnd, cancellationToken).ConfigureAwait(false);
        return (QueueRules.Contenders(range, name.Contenders, name.Kind), range.Header.Revision);
    }

    /// <summary>Every user of a semaphore must agree on its count; a disagreement is the caller's error.</summary>
    public static void CheckCount(IReadOnlyList<Contender> queue, PreparedName name, int maxCount)
    {
        if (name.Kind != LockKind.Semaphore)
        {
            return;
        }

        foreach (var contender in queue)
        {
            if (contender.Value.MaxCount != maxCount && contender.Value.Member is not null)
            {
                throw new InvalidOperationException(
                    $"Semaphore '{name.Name}' is in use with a count of {contender.Value.MaxCount}; this request asked for {maxCount}. Every user of a semaphore must agree on its count.");
            }
        }
    }

    /// <summary>After a hold's key watch could not resume (compaction): is the key still there?</summary>
    public async Task RecheckAsync(EtcdGrant grant)
    {
        try
        {
            var range = await RangeAsync(grant.Key, ByteString.Empty, CancellationToken.None).ConfigureAwait(false);
            if (range.Kvs.Count == 0 || range.Kvs[0].CreateRevision != grant.CreateRevision)
            {
                grant.OnKeyGone();
            }
            else
            {
                await grant.WatchAsync(range.Header.Revision).ConfigureAwait(false);
            }
        }
        catch (BackendUnavailableException e)
        {
            Log.RecheckFailed(_logger, e, grant.Name.Name);
        }
    }

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var range = await RangeAsync(Layout.All, Layout.AllEnd, cancellationToken).ConfigureAwait(false);
        return EtcdListing.List(Layout, range.Kvs, Time.GetUtcNow());
    }

    public override async ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var prepared = new PreparedName(Layout, kind, name);
        var (queue, _) = await ReadQueueAsync(prepared, cancellationToken).ConfigureAwait(false);
        var maxCount = kind == LockKind.Semaphore ? queue.Select(c => c.Value.MaxCount).DefaultIfEmpty(1).First() : 1;
        var modes = QueueRules.Holders(queue, kind, maxCount);
        var now = Time.GetUtcNow();
        var broken = new List<LockHolder>();
        for (var i = 0; i < queue.Count; i++)
        {
            if (modes[i] is not { } mode)
            {
                continue;
            }

            var holder = queue[i];
            var txn = new TxnRequest();
            txn.Compare.Add(Ops.Created(holder.Key, holder.CreateRevision));
            txn.Success.Add(Ops.Delete(holder.Key));
            txn.Success.Add(Ops.Put(prepared.Record(holder.Suffix), new HoldRecord(HoldState.Broken, holder.CreateRevision, holder.TokenHolding(mode), holder.Member, now.UtcTicks).Encode()));
            var response = await TxnAsync(txn, cancellationToken).ConfigureAwait(false);
            if (response.Succeeded)
            {
                broken.Add(new LockHolder(holder.Member, mode, holder.TokenHolding(mode), SinceOf(holder, now)));
            }
        }

        return broken;
    }

    public static DateTimeOffset SinceOf(Contender contender, DateTimeOffset fallback) =>
        contender.Value.SinceTicks > 0 ? new DateTimeOffset(contender.Value.SinceTicks, TimeSpan.Zero) : fallback;

    public override async ValueTask DisposeAsync()
    {
        EtcdTicket[] tickets;
        EtcdGrant[] grants;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            tickets = [.. _tickets];
            grants = [.. _grants];
        }

        foreach (var ticket in tickets)
        {
            await ticket.FailAsync(new ObjectDisposedException(nameof(Coordinator), $"The coordinator waiting for '{ticket.Name.Name}' was disposed.")).ConfigureAwait(false);
        }

        var now = Time.GetUtcNow();
        foreach (var grant in grants)
        {
            try
            {
                await grant.AbandonAsync(now).ConfigureAwait(false);
            }
            catch (BackendUnavailableException e)
            {
                Log.AbandonFailed(_logger, e, grant.Name.Name);
            }
        }

        foreach (var session in _sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        await Hub.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _sessionGate.Dispose();
    }

    public void Forget(EtcdGrant grant)
    {
        lock (_gate)
        {
            _grants.Remove(grant);
        }
    }

    public void Forget(EtcdTicket ticket)
    {
        lock (_gate)
        {
            _tickets.Remove(ticket);
        }
    }

    /// <summary>The live session, or a new one when there is none or the last one was lost.</summary>
    private async Task<LeaseSession> EnsureSessionAsync(CancellationToken cancellationToken)
    {
        var current = _session;
        if (current is { IsLost: false })
        {
            return current;
        }

        await _sessionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is { IsLost: false } again)
            {
                return again;
            }

            LeaseSession session;
            try
            {
                session = await LeaseSession.StartAsync(_connection, _options.Ttl, Time, _logger, first: _sessions.Count == 0, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (cancellationToken.IsCancellationRequested || e.StatusCode == StatusCode.DeadlineExceeded)
            {
                throw new BackendUnavailableException($"etcd at {DisplayUrl} did not answer in time (granting a lease); is it running and reachable?", e);
            }
            catch (RpcException e)
            {
                throw Unavailable(DisplayUrl, "cannot grant a lease", e);
            }

            lock (_gate)
            {
                ThrowIfDisposedLocked();
                _sessions.Add(session);
            }

            _session = session;
            return session;
        }
        finally
        {
            _sessionGate.Release();
        }
    }

    public async Task<TxnResponse> TxnAsync(TxnRequest txn, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.RunAsync(options => _connection.Kv.TxnAsync(txn, options), cancellationToken, CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(DisplayUrl, "a transaction failed", e);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private async Task<RangeResponse> RangeAsync(ByteString key, ByteString end, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.RunAsync(options => _connection.Kv.RangeAsync(new RangeRequest { Key = key, RangeEnd = end }, options), cancellationToken, CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(DisplayUrl, "a read failed", e);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private async Task CleanupAsync(List<Mvccpb.KeyValue> dead)
    {
        if (dead.Count == 0)
        {
            return;
        }

        try
        {
            await TxnAsync(Takeovers.Cleanup(dead), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BackendUnavailableException e)
        {
            // The next holder finds them again; it reports the same takeover, which is still true.
            Log.CleanupFailed(_logger, e);
        }
    }

    private static ContenderMode ModeOf(in AcquisitionRequest request) =>
        request.Kind == LockKind.Semaphore ? ContenderMode.Semaphore
        : request.Mode == LockMode.Shared ? ContenderMode.Shared
        : ContenderMode.Exclusive;

    private static BackendUnavailableException Unavailable(string url, string what, RpcException e) =>
        new($"etcd at {url} is unavailable ({what}): {e.Status.StatusCode}: {e.Status.Detail}", e);

    private void ThrowIfDisposed()
    {
        lock (_gate)
        {
            ThrowIfDisposedLocked();
        }
    }

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, typeof(Coordinator));
}
