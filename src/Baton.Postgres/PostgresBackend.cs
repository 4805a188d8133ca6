using Baton.Backends;
using Baton.Postgres.Holds;
using Baton.Postgres.Introspection;
using Baton.Postgres.Options;
using Baton.Postgres.Sessions;
using Npgsql;

namespace Baton.Postgres;

/// <summary>
/// One coordinator's view of PostgreSQL: a few sessions holding many advisory locks (see
/// docs/backends/postgres.md). Tries run on holding sessions; a wait runs on a session of its own that
/// holds nothing else and becomes a holding session once granted. Idle holding sessions are checked every
/// <see cref="PostgresBackendOptions.CheckInterval"/>, so a terminated session's holds are reported lost.
/// </summary>
internal sealed class PostgresBackend : CoordinationBackend
{
    private const int IdleSessionsKept = 2;

    /// <summary>Lock names whose keys are remembered across primitives (a name's key never changes).</summary>
    private const int KeysCached = 65_536;

    private readonly PostgresBackendOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly string _member;
    private readonly List<PgSession> _sessions = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _lockKeys = new(StringComparer.Ordinal);
    private readonly HashSet<PgTicket> _tickets = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _checker = Task.CompletedTask;
    private int _disposed;
    private volatile bool _lastBroken;

    private PostgresBackend(PostgresBackendOptions options, NpgsqlDataSource dataSource, MemberIdentity member, TimeProvider time)
    {
        _options = options;
        _dataSource = dataSource;
        _time = time;
        _member = MemberCodec.Encode(member);
        Statements = new Statements(options.QuotedSchema, options.Keyspace);
        WaitingSessions = new SemaphoreSlim(options.MaxWaitingSessions, options.MaxWaitingSessions);
    }

    internal Statements Statements { get; }

    /// <summary>Caps the sessions that wait at once; more waiters queue here, in order.</summary>
    internal SemaphoreSlim WaitingSessions { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The sessions open now (for tests).</summary>
    internal int SessionCount
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    public static async Task<PostgresBackend> ConnectAsync(PostgresBackendOptions options, BackendContext context, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(options.ConnectionString);
        builder.EnableArrays();
        var dataSource = builder.Build();
        var backend = new PostgresBackend(options, dataSource, context.Member, context.TimeProvider);
        try
        {
            var session = await backend.OpenSessionAsync(cancellationToken, installSchema: true).ConfigureAwait(false);
            lock (backend._gate)
            {
                backend._sessions.Add(session);
            }

            backend._checker = backend.CheckLoopAsync();
            return backend;
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override object? PrepareName(LockKind kind, string name)
    {
        var prepared = new PgName(kind, name);
        if (kind == LockKind.Lock && _lockKeys.TryGetValue(name, out var key))
        {
            prepared.Key = key;
        }

        return prepared;
    }

    public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        // A session found broken on the way (the server restarted, the session was terminated) is dropped and
        // the start tried once more on a new one.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt == 1 && !IsDisposed && e is NpgsqlException or IOException or ObjectDisposedException && _lastBroken)
            {
                _lastBroken = false;
            }
        }
    }

    private async ValueTask<AcquisitionStart> StartOnceAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var name = request.PreparedName as PgName ?? new PgName(request.Kind, request.Name);
        var nameKey = await GetNameKeyAsync(name, request.MaxCount, cancellationToken).ConfigureAwait(false);
        var shared = request.Mode == LockMode.Shared;
        var session = await TakeTrySessionAsync(nameKey, shared, cancellationToken).ConfigureAwait(false);
        AcquireResult result;
        try
        {
            // Not cancelled half-way: a try on a holding session must finish, or the session's other holds would be at risk.
            result = await RunAsync(session, (c, ct) => TryOnSessionAsync(c, request, name, wait: false, ct), CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            ReturnSession(session, nameKey);
            throw;
        }

        if (result.Token is not null)
        {
            return AcquisitionStart.Granted(AdoptGrant(session, request, name, nameKey, result));
        }

        ReturnSession(session, nameKey);
        if (result.OtherCount is { } other)
        {
            throw CountMismatch(name, other, request.MaxCount);
        }

        if (!request.Wait)
        {
            return AcquisitionStart.Denied;
        }

        var ticket = new PgTicket(this, request, name, nameKey);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            _tickets.Add(ticket);
        }

        _ = ticket.Granted.ContinueWith(
            (_, state) =>
            {
                var self = (PostgresBackend)state!;
                lock (self._gate)
                {
                    self._tickets.Remove(ticket);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        ticket.Start();
        return AcquisitionStart.Queued(ticket);
    }

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            session, (c, ct) => LockListing.ReadAsync(c, _options.QuotedSchema, _options.Keyspace, _time.GetUtcNow(), ct), cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        throw new NotSupportedException(
            $"PostgreSQL ties an advisory lock to the session that holds it: only that session, or its end, releases '{name}'. " +
            "To end a stuck holder, terminate its session (SELECT pg_terminate_backend(pid), with the pid that `baton locks` shows); " +
            "that also ends every other lock held on that session, and the next holder gets a takeover notice.");
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        PgTicket[] tickets;
        PgSession[] sessions;
        lock (_gate)
        {
            tickets = [.. _tickets];
            sessions = [.. _sessions];
            _sessions.Clear();
        }

        foreach (var ticket in tickets)
        {
            ticket.Fail(new ObjectDisposedException(nameof(Coordinator), "The coordinator was disposed while waiting."));
        }

        lock (_gate)
        {
            foreach (var grant in sessions.SelectMany(s => s.Grants))
            {
                grant.FailUpgrade(new ObjectDisposedException(nameof(Coordinator), "The coordinator was disposed while upgrading."));
            }
        }

        var grants = new List<PgGrant>();
        foreach (var session in sessions)
        {
            PgGrant[] held;
            lock (_gate)
            {
                held = [.. session.Grants];
                session.Grants.Clear();
            }

            grants.AddRange(held);
            if (held.Length > 0 && !session.IsBroken)
            {
                try
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await session.RunAsync(async (c, ct) =>
                    {
                        await Statements.AbandonAsync(c, ct).ConfigureAwait(false);
                        return true;
                    }, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
                {
                    // The holds end with the session anyway; only the takeover reason is less precise.
                }
            }

            await session.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var grant in grants)
        {
            grant.Lose(LossReason.CoordinatorDisposed);
        }

        try
        {
            await _checker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    internal static InvalidOperationException CountMismatch(PgName name, int other, int asked) =>
        new($"Semaphore '{name.Name}' is in use with a count of {other}; this request asked for {asked}. Every user of a semaphore must agree on its count.");

    /// <summary>Runs work on a session; when the connection fails, every hold on it is reported lost.</summary>
    internal async Task<T> RunAsync<T>(PgSession session, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await session.RunAsync(work, cancellationToken).ConfigureAwait(false);
        }
        catch when (session.IsBroken)
        {
            _lastBroken = true;
            OnSessionBroken(session);
            throw;
        }
    }

    internal Task<AcquireResult> TryOnSessionAsync(NpgsqlConnection connection, AcquisitionRequest request, PgName name, bool wait, CancellationToken cancellationToken) =>
        request.Kind == LockKind.Semaphore
            ? Statements.AcquireSlotAsync(connection, name.SemaphoreKeys!, wait, _member, cancellationToken)
            : Statements.AcquireAsync(connection, name.Key, request.Mode == LockMode.Shared, wait, _member, cancellationToken);

    /// <summary>Makes the grant of a granted acquisition, recorded on its session.</summary>
    internal PgGrant AdoptGrant(PgSession session, AcquisitionRequest request, PgName name, int nameKey, AcquireResult result)
    {
        TakeoverNotice? takeover = null;
        if (result.PreviousToken is { } previous)
        {
            takeover = new TakeoverNotice(
                MemberCodec.Decode(result.PreviousMember, 0),
                previous,
                result.PreviousAbandoned ? TakeoverReason.Abandoned : TakeoverReason.HolderCrashed,
                _time.GetUtcNow());
        }

        var grant = new PgGrant(this, session, name, result.SlotKey, nameKey, request.Mode, result.Token!.Value, takeover);
        var lost = false;
        lock (_gate)
        {
            session.Reserved = request.Mode == LockMode.Shared;
            if (session.IsBroken || IsDisposed)
            {
                lost = true;
            }
            else
            {
                session.Grants.Add(grant);
            }
        }

        if (lost)
        {
            grant.Lose(IsDisposed ? LossReason.CoordinatorDisposed : LossReason.ConnectionLost);
        }

        return grant;
    }

    internal async ValueTask ReleaseAsync(PgGrant grant)
    {
        var session = grant.Session;
        lock (_gate)
        {
            session.Grants.Remove(grant);
        }

        if (session.IsBroken || IsDisposed || grant.IsLost)
        {
            return;
        }

        try
        {
            await RunAsync(session, async (c, ct) =>
            {
                await grant.ReleaseOnSessionAsync(c, ct).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            ReturnSession(session, grant.NameKey);
        }
    }

    /// <summary>Gives a session back after a try or hold of the name ended; closes surplus empty sessions.</summary>
    internal void ReturnSession(PgSession session, int nameKey)
    {
        PgSession? surplus = null;
        lock (_gate)
        {
            session.Names.Remove(nameKey);
            if (session.Grants.Count == 0)
            {
                session.Reserved = false;
            }

            if (session.IsEmpty && _sessions.Count(s => s.IsEmpty) > IdleSessionsKept && _sessions.Remove(session))
            {
                surplus = session;
            }
        }

        if (surplus is not null)
        {
            _ = surplus.DisposeAsync().AsTask();
        }
    }

    /// <summary>After a withdrawn or failed wait: drops whatever the cancelled statement may have taken, then gives the session back.</summary>
    internal async Task CleanUpWaitingSessionAsync(PgSession session, int nameKey)
    {
        if (!session.IsBroken && !IsDisposed)
        {
            try
            {
                await RunAsync(session, async (c, ct) =>
                {
                    await Statements.UnlockAllAsync(c, ct).ConfigureAwait(false);
                    return true;
                }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
            {
                // A broken session is dropped below.
            }
        }

        if (session.IsBroken || IsDisposed)
        {
            OnSessionBroken(session);
            await session.DisposeAsync().ConfigureAwait(false);
            return;
        }

        ReturnSession(session, nameKey);
    }

    /// <summary>A session that holds nothing, for one blocking wait.</summary>
    internal async Task<PgSession> TakeWaitingSessionAsync(int nameKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var session in _sessions)
            {
                if (session.IsEmpty && !session.IsBroken)
                {
                    session.Reserved = true;
                    session.Names.Add(nameKey);
                    return session;
                }
            }
        }

        return await OpenSessionForAsync(nameKey, reserve: true, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<int> GetUpgradeKeyAsync(PgName name, CancellationToken cancellationToken)
    {
        if (name.UpgradeKey != 0)
        {
            return name.UpgradeKey;
        }

        var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
        var keys = await RunAsync(session, (c, ct) => Statements.KeysAsync(c, LockKind.Lock, name.Name, -1, -1, ct), cancellationToken).ConfigureAwait(false);
        name.UpgradeKey = keys[0];
        return keys[0];
    }

    private async Task<int> GetNameKeyAsync(PgName name, int maxCount, CancellationToken cancellationToken)
    {
        if (name.Kind == LockKind.Semaphore)
        {
            var known = name.SemaphoreKeys;
            if (known is not null && known.Length == maxCount + 1)
            {
                return known[0];
            }

            var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
            var keys = await RunAsync(session, (c, ct) => Statements.KeysAsync(c, LockKind.Semaphore, name.Name, 0, maxCount, ct), cancellationToken).ConfigureAwait(false);
            name.SemaphoreKeys = keys;
            return keys[0];
        }

        if (name.Key == 0)
        {
            var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
            var keys = await RunAsync(session, (c, ct) => Statements.KeysAsync(c, LockKind.Lock, name.Name, 0, 0, ct), cancellationToken).ConfigureAwait(false);
            name.Key = keys[0];
            if (_lockKeys.Count < KeysCached)
            {
                _lockKeys.TryAdd(name.Name, keys[0]);
            }
        }

        return name.Key;
    }

    /// <summary>A session for a try of the name: one that does not hold it (an empty one for a shared hold).</summary>
    private async Task<PgSession> TakeTrySessionAsync(int nameKey, bool shared, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var session in _sessions)
            {
                if (session.IsBroken || session.Reserved || (shared ? !session.IsEmpty : session.Names.Contains(nameKey)))
                {
                    continue;
                }

                session.Names.Add(nameKey);
                session.Reserved = shared;
                return session;
            }
        }

        return await OpenSessionForAsync(nameKey, shared, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Any usable session, for statements that take no lock (name keys, listings).</summary>
    private async Task<PgSession> TakeAnySessionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var session in _sessions)
            {
                if (!session.IsBroken && !session.Reserved)
                {
                    return session;
                }
            }
        }

        var opened = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (!IsDisposed)
            {
                _sessions.Add(opened);
                return opened;
            }
        }

        await opened.DisposeAsync().ConfigureAwait(false);
        throw new ObjectDisposedException(nameof(Coordinator));
    }

    private async Task<PgSession> OpenSessionForAsync(int nameKey, bool reserve, CancellationToken cancellationToken)
    {
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (!IsDisposed)
            {
                session.Names.Add(nameKey);
                session.Reserved = reserve;
                _sessions.Add(session);
                return session;
            }
        }

        await session.DisposeAsync().ConfigureAwait(false);
        throw new ObjectDisposedException(nameof(Coordinator));
    }

    private async Task<PgSession> OpenSessionAsync(CancellationToken cancellationToken, bool installSchema = false)
    {
        var connection = _dataSource.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (installSchema)
            {
                await Schema.SchemaInstaller.EnsureAsync(connection, _options, cancellationToken).ConfigureAwait(false);
            }

            await Statements.HelloAsync(connection, _member, cancellationToken).ConfigureAwait(false);
            return new PgSession(connection, connection.ProcessID);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void OnSessionBroken(PgSession session)
    {
        PgGrant[] lost;
        lock (_gate)
        {
            _sessions.Remove(session);
            lost = [.. session.Grants];
            session.Grants.Clear();
        }

        foreach (var grant in lost)
        {
            grant.Lose(IsDisposed ? LossReason.CoordinatorDisposed : LossReason.ConnectionLost);
        }

        _ = session.DisposeAsync().AsTask();
    }

    private async Task CheckLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.CheckInterval, _time);
        while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
        {
            PgSession[] holding;
            lock (_gate)
            {
                holding = [.. _sessions];
            }

            foreach (var session in holding)
            {
                if (!await session.CheckAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false))
                {
                    OnSessionBroken(session);
                }
            }
        }
    }
}
