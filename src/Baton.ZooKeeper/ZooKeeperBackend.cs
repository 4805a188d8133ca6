using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Holds;
using Baton.ZooKeeper.Introspection;
using Baton.ZooKeeper.Layout;
using Baton.ZooKeeper.Observing;
using Baton.ZooKeeper.Queue;
using Microsoft.Extensions.Logging;

namespace Baton.ZooKeeper;

/// <summary>
/// One coordinator on ZooKeeper: one session (one TCP connection, pipelined). Every request is an ephemeral
/// sequential node in kazoo's layout (see <see cref="NodeLayout"/> and <see cref="LockQueue"/>); its sequence is its
/// place in the queue and its creation zxid its fencing token. An uncontended acquisition is one multi-op write
/// (contender node and hold record) with the reads that decide it pipelined behind it; a release is another.
/// When the session is lost every hold's lost token fires, and the next request opens a new session.
/// </summary>
internal sealed partial class ZooKeeperBackend : CoordinationBackend
{
    private readonly ZooKeeperOptions _options;
    private readonly BackendContext _context;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sessionGate = new(1, 1);
    private readonly Lock _gate = new();
    private readonly HashSet<ZooKeeperGrant> _grants = [];
    private readonly HashSet<ZooKeeperTicket> _tickets = [];
    private readonly List<ZooKeeperClient> _sessions = [];
    private ZooKeeperClient? _session;
    private bool _disposed;

    private ZooKeeperBackend(ZooKeeperOptions options, BackendContext context)
    {
        _options = options;
        _context = context;
        _logger = context.LoggerFactory.CreateLogger("Baton.ZooKeeper");
        Layout = new NodeLayout(options.Prefix);
    }

    public NodeLayout Layout { get; }

    public string DisplayUrl => _options.DisplayUrl;

    public TimeProvider Time => _context.TimeProvider;

    public static async Task<ZooKeeperBackend> ConnectAsync(ZooKeeperOptions options, BackendContext context, CancellationToken cancellationToken)
    {
        var backend = new ZooKeeperBackend(options, context);
        try
        {
            var session = await backend.EnsureSessionAsync(cancellationToken).ConfigureAwait(false);

            // Creating the prefix proves the user may write there: a refusal shows now, not at the first acquisition.
            await backend.CallAsync(() => EnsureAsync(session, options.Prefix, CreateMode.Container, cancellationToken), "create the prefix").ConfigureAwait(false);
            return backend;
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override object? PrepareName(LockKind kind, string name) => new PreparedName(Layout, kind, name);

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var session = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        return await CallAsync(() => ZooKeeperListing.ListAsync(session, Layout, Time.GetUtcNow(), cancellationToken), "list the locks").ConfigureAwait(false);
    }

    /// <summary>One name: its directory's children, and their data pipelined behind.</summary>
    public override async ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var session = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        return await CallAsync(() => ZooKeeperListing.FindAsync(session, Layout, kind, name, Time.GetUtcNow(), cancellationToken), $"read '{name}'").ConfigureAwait(false);
    }

    /// <summary>A child watch on the name's directory (a semaphore's two), in the coordinator's session.</summary>
    public override async ValueTask<NameWatch?> WatchNameAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var prepared = new PreparedName(Layout, kind, name);
        string[] paths = prepared.Leases is { } leases ? [leases, prepared.Queue] : [prepared.Queue];
        return await ZooKeeperNameWatch.StartAsync(this, name, paths, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        ZooKeeperTicket[] tickets;
        ZooKeeperGrant[] grants;
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
            catch (Exception e) when (e is ZooKeeperException or BackendUnavailableException or ObjectDisposedException)
            {
                Log.AbandonFailed(_logger, e, grant.Name.Name);
            }
        }

        List<ZooKeeperClient> sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        // Closing a session deletes its ephemeral nodes at once: crash release without waiting for the timeout.
        foreach (var session in sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _sessionGate.Dispose();
    }

    public void Forget(ZooKeeperGrant grant)
    {
        lock (_gate)
        {
            _grants.Remove(grant);
        }
    }

    public void Forget(ZooKeeperTicket ticket)
    {
        lock (_gate)
        {
            _tickets.Remove(ticket);
        }
    }

    /// <summary>The live session, or a new one when there is none or the last one was lost.</summary>
    public async Task<ZooKeeperClient> EnsureSessionAsync(CancellationToken cancellationToken)
    {
        var current = _session;
        if (current is not null && !current.SessionLost.IsCancellationRequested)
        {
            return current;
        }

        await _sessionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is { } again && !again.SessionLost.IsCancellationRequested)
            {
                return again;
            }

            ThrowIfDisposed();
            ZooKeeperClient session;
            try
            {
                session = await ZooKeeperClient.ConnectAsync(ClientOptions(), cancellationToken).ConfigureAwait(false);
            }
            catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.AuthFailed)
            {
                throw new BackendUnavailableException($"ZooKeeper at {DisplayUrl} refused the user name or password.", e);
            }
            catch (Exception e) when (e is ZooKeeperException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                throw new BackendUnavailableException($"ZooKeeper at {DisplayUrl} cannot be reached: {e.Message}", e);
            }

            bool disposed;
            lock (_gate)
            {
                disposed = _disposed;
                if (!disposed)
                {
                    _sessions.Add(session);
                }
            }

            if (disposed)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(Coordinator));
            }

            _session = session;
            return session;
        }
        finally
        {
            _sessionGate.Release();
        }
    }

    private ZooKeeperClientOptions ClientOptions() => new()
    {
        Servers = _options.Servers,
        Chroot = _options.Chroot,
        SessionTimeout = _options.SessionTimeout,
        Auth = _options.UserName is { } user ? [ZooKeeperAuth.Digest(user, _options.Password ?? string.Empty)] : [],
        TimeProvider = Time,
        Logger = _logger,
    };

    private void ThrowIfDisposed()
    {
        lock (_gate)
        {
            ThrowIfDisposedLocked();
        }
    }

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, typeof(Coordinator));
}
