using Baton.Backends;
using Baton.Etcd.Connection;
using Baton.Etcd.Holds;
using Baton.Etcd.Introspection;
using Baton.Etcd.Keys;
using Baton.Etcd.Observing;
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
internal sealed partial class EtcdBackend : CoordinationBackend
{
    /// <summary>Every unary call gives up after this, so nothing hangs on a silent cluster; waits are watches, not calls.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

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

    /// <summary>The lease of this coordinator's holds now (null before the first one); replaced after it is lost.</summary>
    public LeaseSession? CurrentSession => _session;

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

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var range = await RangeAsync(Layout.All, Layout.AllEnd, cancellationToken).ConfigureAwait(false);
        return EtcdListing.List(Layout, range.Kvs, Time.GetUtcNow());
    }

    /// <summary>One range read: the name's own keys.</summary>
    public override async ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var (queue, _) = await ReadQueueAsync(new PreparedName(Layout, kind, name), cancellationToken).ConfigureAwait(false);
        return EtcdListing.Find(name, kind, queue, Time.GetUtcNow());
    }

    /// <summary>A watch on the name's keys over the coordinator's watch stream: no connection or stream of its own.</summary>
    public override async ValueTask<NameWatch?> WatchNameAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return await EtcdNameWatch.StartAsync(this, new PreparedName(Layout, kind, name), CallTimeout, cancellationToken).ConfigureAwait(false);
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
            await ticket.WithdrawAsync(new ObjectDisposedException(nameof(Coordinator), $"The coordinator waiting for '{ticket.Name.Name}' was disposed.")).ConfigureAwait(false);
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

    private void ThrowIfDisposed()
    {
        lock (_gate)
        {
            ThrowIfDisposedLocked();
        }
    }

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, typeof(Coordinator));
}
