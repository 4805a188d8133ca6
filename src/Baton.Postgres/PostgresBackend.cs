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
/// <see cref="PostgresBackendOptions.CheckInterval"/>, so a terminated session's holds are reported lost and
/// broken holds are let go. Sessions: PostgresBackend.Sessions.cs; breaking: PostgresBackend.Break.cs.
/// </summary>
internal sealed partial class PostgresBackend : CoordinationBackend
{
    private readonly PostgresBackendOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly string _member;
    private readonly HashSet<PgTicket> _tickets = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly ServerWatch _serverWatch;

    /// <summary>How often the server watch tries to connect again while the server is away (the check interval, if shorter).</summary>
    private static readonly TimeSpan WatchRetryInterval = TimeSpan.FromSeconds(1);
    private Task _checker = Task.CompletedTask;
    private int _disposed;

    private PostgresBackend(PostgresBackendOptions options, NpgsqlDataSource dataSource, MemberIdentity member, TimeProvider time)
    {
        _options = options;
        _dataSource = dataSource;
        _time = time;
        _member = MemberCodec.Encode(member);
        Statements = new Statements(options.QuotedSchema, options.Keyspace);
        WaitingSessions = new SemaphoreSlim(options.MaxWaitingSessions, options.MaxWaitingSessions);
        _serverWatch = new ServerWatch(OpenWatchConnectionAsync, OnServerEnded, time, options.CheckInterval < WatchRetryInterval ? options.CheckInterval : WatchRetryInterval);
    }

    internal Statements Statements { get; }

    /// <summary>Caps the sessions that wait at once; more waiters queue here, in order.</summary>
    internal SemaphoreSlim WaitingSessions { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

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

    // Tasks rather than async ValueTasks: the core turns a start that does not complete at once into a task, which
    // then costs nothing more. A lock whose key is known and a free session: one state machine over Npgsql's; a
    // contended one that may wait: straight to the wait.
    public override ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var name = request.PreparedName as PgName ?? new PgName(request.Kind, request.Name);
        if (request.Kind == LockKind.Group)
        {
            return new(JoinGroupAsync(request, name, cancellationToken));
        }

        if (request.Kind == LockKind.Lock && name.Key != 0)
        {
            if (request.Wait && name.Contended)
            {
                return new(AcquisitionStart.Queued(Queue(request, name, name.Key)));
            }

            if (TryTakeTrySession(name.Key, request.Mode == LockMode.Shared) is { } session)
            {
                return new(TryLockAsync(request, name, session, mayRetry: true));
            }
        }

        return new(StartAsync(request, name, mayRetry: true, cancellationToken));
    }

    /// <summary>
    /// A group member: a shared hold of the group's key (granted at once: nobody holds a group exclusively), then its
    /// row told the member's id and capabilities, which differ from the session's own member.
    /// </summary>
    private async Task<AcquisitionStart> JoinGroupAsync(AcquisitionRequest request, PgName name, CancellationToken cancellationToken)
    {
        var start = await StartAsync(request, name, mayRetry: true, cancellationToken).ConfigureAwait(false);
        if (start.Grant is PgGrant grant)
        {
            try
            {
                await RunAsync(
                    grant.Session, (c, ct) => Statements.SetMemberAsync(c, grant.Key, grant.FencingToken, MemberCodec.Encode(request.Member), ct), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch
            {
                await grant.ReleaseAsync().ConfigureAwait(false);
                throw;
            }
        }

        return start;
    }

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            session, (c, ct) => LockListing.ReadAsync(c, _options.QuotedSchema, _options.Keyspace, _time.GetUtcNow(), ct), cancellationToken).ConfigureAwait(false);
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

        Task breakLookup;
        lock (_gate)
        {
            breakLookup = _breakLookup;
        }

        // Its sessions are closed: it ends now.
        await breakLookup.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _serverWatch.DisposeAsync().ConfigureAwait(false);

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    internal static InvalidOperationException CountMismatch(PgName name, int other, int asked) =>
        new($"Semaphore '{name.Name}' is in use with a count of {other}; this request asked for {asked}. Every user of a semaphore must agree on its count.");

    /// <summary>
    /// Runs work on a session; when the connection fails, every hold on it is reported lost. <paramref name="waits"/>:
    /// the work waits for a lock, so the session's check does not judge it by how long it takes.
    /// </summary>
    internal async Task<T> RunAsync<T>(PgSession session, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken, bool waits = false)
    {
        try
        {
            return await session.RunAsync(work, cancellationToken, waits).ConfigureAwait(false);
        }
        catch when (session.IsBroken)
        {
            OnSessionBroken(session);
            throw;
        }
    }

    /// <summary>The blocking acquire of a ticket, on a session that holds nothing else; cancelling it withdraws.</summary>
    internal async Task<AcquireResult> WaitOnSessionAsync(PgSession session, AcquisitionRequest request, PgName name, CancellationToken cancellationToken)
    {
        if (request.Kind == LockKind.Semaphore)
        {
            return await WaitForSlotAsync(session, name, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await session.EnterAsync().ConfigureAwait(false);
            try
            {
                var shared = request.Mode == LockMode.Shared;
                var batch = await session.Commands.WaitAsync(name.Key, shared).ConfigureAwait(false);
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await session.Commands.ReadWaitAsync(reader, name.Key, shared, session.BackendPid, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                session.Exit();
            }
        }
        catch (Exception e) when (session.NoteFailure(e))
        {
            OnSessionBroken(session);
            throw;
        }
    }

    /// <summary>Makes the grant of a granted acquisition, recorded on its session.</summary>
    internal PgGrant AdoptGrant(PgSession session, AcquisitionRequest request, PgName name, int nameKey, AcquireResult result)
    {
        TakeoverNotice? takeover = null;
        if (result.PreviousToken is { } previous)
        {
            takeover = new TakeoverNotice(MemberCodec.Decode(result.PreviousMember, 0), previous, result.PreviousReason, _time.GetUtcNow());
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

        _serverWatch.Start();

        if (lost)
        {
            grant.Lose(IsDisposed ? LossReason.CoordinatorDisposed : LossReason.ConnectionLost);
        }

        return grant;
    }

    internal ValueTask ReleaseAsync(PgGrant grant)
    {
        var session = grant.Session;
        lock (_gate)
        {
            session.Grants.Remove(grant);
        }

        return session.IsBroken || IsDisposed || grant.IsLost ? default : new(ReleaseOnSessionAsync(grant, session));
    }

    private async Task ReleaseOnSessionAsync(PgGrant grant, PgSession session)
    {
        try
        {
            await session.EnterAsync().ConfigureAwait(false);
            try
            {
                var shared = grant.Mode == LockMode.Shared;
                if (await session.UntilBrokenAsync(session.Commands.ReleaseAsync(grant.Key, shared, grant.FencingToken)).ConfigureAwait(false) == 0)
                {
                    await session.UntilBrokenAsync(session.Commands.UnlockAsync(grant.Key, shared)).ConfigureAwait(false);
                }
            }
            finally
            {
                session.Exit();
            }
        }
        catch (Exception e) when (session.NoteFailure(e))
        {
            OnSessionBroken(session);
            throw;
        }
        finally
        {
            ReturnSession(session, grant.NameKey);
        }
    }

    /// <summary>
    /// The general start: finds the name's keys and a session when not known yet, tries, and queues a ticket when the
    /// try is denied and the request may wait. A session found broken on the way (the server restarted, the session
    /// was terminated) is dropped and the start tried once more on a new one.
    /// </summary>
    private async Task<AcquisitionStart> StartAsync(AcquisitionRequest request, PgName name, bool mayRetry, CancellationToken cancellationToken)
    {
        var nameKey = await GetNameKeyAsync(name, request.MaxCount, cancellationToken).ConfigureAwait(false);
        var session = await TakeTrySessionAsync(nameKey, request.Mode == LockMode.Shared, cancellationToken).ConfigureAwait(false);
        if (request.Kind != LockKind.Semaphore)
        {
            // A lock, or a group (its members are shared holders of its own key, in the group namespace).
            return await TryLockAsync(request, name, session, mayRetry).ConfigureAwait(false);
        }

        AcquireResult result;
        try
        {
            // Never cancelled half-way: a try on a holding session must finish, or the session's other holds would be at risk.
            result = await session.RunAsync(
                (c, ct) => Statements.AcquireSlotAsync(c, name.SemaphoreKeys!, wait: false, _member, ct), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (session.IsBroken)
        {
            ReturnSession(session, nameKey);
            OnSessionBroken(session);
            if (mayRetry && !IsDisposed && e is NpgsqlException or IOException or ObjectDisposedException)
            {
                return await StartAsync(request, name, mayRetry: false, cancellationToken).ConfigureAwait(false);
            }

            throw;
        }
        catch
        {
            ReturnSession(session, nameKey);
            throw;
        }

        return Conclude(request, name, session, nameKey, result);
    }

    /// <summary>The try of a lock or reader-writer lock on a session taken for it: the hot path, awaiting Npgsql directly.</summary>
    private async Task<AcquisitionStart> TryLockAsync(AcquisitionRequest request, PgName name, PgSession session, bool mayRetry)
    {
        AcquireResult result;
        try
        {
            // Never cancelled half-way: a try on a holding session must finish, or the session's other holds would be at risk.
            await session.EnterAsync().ConfigureAwait(false);
            try
            {
                var shared = request.Mode == LockMode.Shared;
                var command = await session.Commands.TryAsync(name.Key, shared).ConfigureAwait(false);
                var reader = await session.UntilBrokenAsync(command.ExecuteReaderAsync()).ConfigureAwait(false);
                result = await session.Commands.ReadTryAsync(reader, name.Key, shared, session.BackendPid).ConfigureAwait(false);
            }
            finally
            {
                session.Exit();
            }
        }
        catch (Exception e) when (session.NoteFailure(e))
        {
            ReturnSession(session, name.Key);
            OnSessionBroken(session);
            if (mayRetry && !IsDisposed && e is NpgsqlException or IOException or ObjectDisposedException)
            {
                return await StartAsync(request, name, mayRetry: false, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
        catch
        {
            ReturnSession(session, name.Key);
            throw;
        }

        return Conclude(request, name, session, name.Key, result);
    }

    private Task<AcquireResult> WaitForSlotAsync(PgSession session, PgName name, CancellationToken cancellationToken) =>
        RunAsync(session, (c, ct) => Statements.AcquireSlotAsync(c, name.SemaphoreKeys!, wait: true, _member, ct), cancellationToken, waits: true);

    /// <summary>After the try: the grant, or the session back and a denial or a ticket.</summary>
    private AcquisitionStart Conclude(AcquisitionRequest request, PgName name, PgSession session, int nameKey, AcquireResult result)
    {
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

        name.Contended = request.Kind == LockKind.Lock;
        return AcquisitionStart.Queued(Queue(request, name, nameKey));
    }

    private PgTicket Queue(AcquisitionRequest request, PgName name, int nameKey)
    {
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
        return ticket;
    }
}
