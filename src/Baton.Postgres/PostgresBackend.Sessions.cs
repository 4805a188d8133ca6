using Baton.Postgres.Holds;
using Baton.Postgres.Sessions;
using Npgsql;

namespace Baton.Postgres;

/// <summary>The sessions of a coordinator: which one a request goes to, opening and closing them, their checks.</summary>
internal sealed partial class PostgresBackend
{
    private const int IdleSessionsKept = 2;

    /// <summary>Lock names whose keys are remembered across primitives (a name's key never changes).</summary>
    private const int KeysCached = 65_536;

    private readonly List<PgSession> _sessions = [];

    /// <summary>The last look-up of break requests for this coordinator's holds; one at a time. Guarded by the gate.</summary>
    private Task _breakLookup = Task.CompletedTask;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _lockKeys = new(StringComparer.Ordinal);

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

            if (session.IsEmpty && CountEmptySessions() > IdleSessionsKept && _sessions.Remove(session))
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

    /// <summary>A session that holds nothing, for one blocking statement (a wait, a break's wait).</summary>
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
        var keys = await RunAsync(session, (c, ct) => Statements.KeysAsync(c, name.Kind, name.Name, -1, -1, ct), cancellationToken).ConfigureAwait(false);
        name.UpgradeKey = keys[0];
        return keys[0];
    }

    /// <summary>The name's key (a lock's own, a semaphore's gate): known after the first use, so mostly without a round trip.</summary>
    private ValueTask<int> GetNameKeyAsync(PgName name, int maxCount, CancellationToken cancellationToken)
    {
        if (name.Kind == LockKind.Semaphore)
        {
            return name.SemaphoreKeys is { } known && known.Length == maxCount + 1 ? new(known[0]) : new(FetchSemaphoreKeysAsync(name, maxCount, cancellationToken));
        }

        return name.Key != 0 ? new(name.Key) : new(FetchLockKeyAsync(name, cancellationToken));
    }

    private async Task<int> FetchSemaphoreKeysAsync(PgName name, int maxCount, CancellationToken cancellationToken)
    {
        var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
        var keys = await RunAsync(session, (c, ct) => Statements.KeysAsync(c, LockKind.Semaphore, name.Name, 0, maxCount, ct), cancellationToken).ConfigureAwait(false);
        name.SemaphoreKeys = keys;
        return keys[0];
    }

    private async Task<int> FetchLockKeyAsync(PgName name, CancellationToken cancellationToken)
    {
        var session = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
        var keys = await RunAsync(session, (c, ct) => Statements.KeysAsync(c, name.Kind, name.Name, 0, 0, ct), cancellationToken).ConfigureAwait(false);
        name.Key = keys[0];
        if (name.Kind == LockKind.Lock && _lockKeys.Count < KeysCached)
        {
            _lockKeys.TryAdd(name.Name, keys[0]);
        }

        return keys[0];
    }

    /// <summary>A session for a try of the name: one that does not hold it (an empty one for a shared hold).</summary>
    private ValueTask<PgSession> TakeTrySessionAsync(int nameKey, bool shared, CancellationToken cancellationToken) =>
        TryTakeTrySession(nameKey, shared) is { } session ? new(session) : new(OpenSessionForAsync(nameKey, shared, cancellationToken));

    /// <summary>An open session for a try of the name, or null when a new one is needed.</summary>
    private PgSession? TryTakeTrySession(int nameKey, bool shared)
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

        return null;
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
        var opening = connection.OpenAsync(cancellationToken);
        try
        {
            await opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!opening.IsCompleted)
        {
            // Npgsql honours the token only while the socket connects: a server that accepts and then says nothing (or
            // nonsense) holds the open until Npgsql's own 15 s timeout. Give up now; close the connection when that ends.
            _ = opening.ContinueWith(
                static (attempt, state) =>
                {
                    _ = attempt.Exception;
                    return ((NpgsqlConnection)state!).DisposeAsync().AsTask();
                },
                connection,
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default).Unwrap();
            throw;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            if (installSchema)
            {
                await Schema.SchemaInstaller.EnsureAsync(connection, _options, cancellationToken).ConfigureAwait(false);
            }

            await Statements.HelloAsync(connection, _member, cancellationToken).ConfigureAwait(false);
            return new PgSession(connection, connection.ProcessID, Statements);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Drops a failed session and reports its holds lost (a break's, when the server says a break ended it).</summary>
    private void OnSessionBroken(PgSession session)
    {
        PgGrant[] lost;
        lock (_gate)
        {
            _sessions.Remove(session);
            lost = [.. session.Grants];
            session.Grants.Clear();
        }

        _ = session.DisposeAsync().AsTask();
        if (lost.Length > 0 && session.WasTerminated && !IsDisposed)
        {
            _ = LoseTerminatedAsync(lost);
            return;
        }

        foreach (var grant in lost)
        {
            grant.Lose(IsDisposed ? LossReason.CoordinatorDisposed : LossReason.ConnectionLost);
        }
    }

    private int CountEmptySessions()
    {
        var count = 0;
        foreach (var session in _sessions)
        {
            if (session.IsEmpty)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>How long a session's check, or a statement of its hot path, may go unanswered before its holds are reported lost.</summary>
    internal static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    private async Task CheckLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.CheckInterval, _time);
        while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
        {
            await CheckSessionsAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The server watch saw the server end its session: every other session is checked now, not at the next tick.</summary>
    private void OnServerEnded()
    {
        if (!IsDisposed)
        {
            _ = CheckSessionsAsync();
        }
    }

    /// <summary>The server watch's connection: a plain one, holding nothing.</summary>
    private async Task<NpgsqlConnection> OpenWatchConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = _dataSource.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Checks every session once; the broken ones are dropped and their holds reported lost.</summary>
    private async Task CheckSessionsAsync()
    {
        PgSession[] holding;
        bool[] holds;
        lock (_gate)
        {
            holding = [.. _sessions];
            holds = [.. holding.Select(session => session.Grants.Count > 0)];
        }

        // All at once, and before anything else that talks to the server: on a silent network every check takes
        // its whole timeout, and holds must be reported lost one timeout after the network went, not one per session.
        var alive = await Task.WhenAll(holding.Select((session, i) => session.CheckAsync(CheckTimeout, holds[i]))).ConfigureAwait(false);
        for (var i = 0; i < holding.Length; i++)
        {
            if (!alive[i])
            {
                OnSessionBroken(holding[i]);
            }
        }

        // Not awaited: the look-up talks to the server, and on a network gone silent it would wait for the driver's
        // timeout while the checks must go on (the next ones judge its statement like any other). Queued, not
        // started here: its first statement would otherwise be sent under the gate that every acquire and release takes.
        lock (_gate)
        {
            if (_breakLookup.IsCompleted && !IsDisposed)
            {
                _breakLookup = Task.Run(LetBrokenHoldsGoAsync);
            }
        }
    }
}
