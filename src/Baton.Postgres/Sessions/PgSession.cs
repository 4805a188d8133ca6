using System.Data;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Baton.Postgres.Holds;
using Npgsql;

namespace Baton.Postgres.Sessions;

/// <summary>
/// One database session (one connection) of a coordinator, holding any number of advisory locks. One
/// statement runs at a time (<see cref="RunAsync{T}"/>). The coordinator never sends a request for a name
/// this session already holds (advisory locks are reentrant per session), and a session that waits in a
/// blocking statement holds nothing else, so no release ever queues behind a wait.
/// </summary>
internal sealed class PgSession : IAsyncDisposable
{
    private readonly SemaphoreSlim _statement = new(1, 1);
    private readonly StatementWatch _watch = new();
    private readonly NpgsqlConnection _connection;
    private readonly SessionCommands _commands;
    private int _broken;
    private volatile bool _terminated;
    private long _statementSince;

    public PgSession(NpgsqlConnection connection, int backendPid, Statements statements)
    {
        _connection = connection;
        BackendPid = backendPid;
        _commands = new SessionCommands(connection, statements);
    }

    /// <summary>The server process of this session (pg_backend_pid()).</summary>
    public int BackendPid { get; }

    /// <summary>Name keys held or being tried here; guarded by the backend's lock.</summary>
    public HashSet<int> Names { get; } = [];

    /// <summary>The grants held here; guarded by the backend's lock.</summary>
    public HashSet<PgGrant> Grants { get; } = [];

    /// <summary>Runs a blocking wait, or holds a shared (upgradeable) hold: nothing else goes here. Guarded by the backend's lock.</summary>
    public bool Reserved { get; set; }

    /// <summary>True once the connection failed: every hold on it is gone.</summary>
    public bool IsBroken => Volatile.Read(ref _broken) != 0;

    /// <summary>
    /// True when the server ended the session on an administrator's command (pg_terminate_backend, as a break does,
    /// or a shutdown): worth asking the server whether a break ended it.
    /// </summary>
    public bool WasTerminated => _terminated;

    /// <summary>True when no statement runs here at this moment.</summary>
    public bool IsIdle => _statement.CurrentCount > 0;

    /// <summary>True when nothing is held, tried or waited on here. Guarded by the backend's lock.</summary>
    public bool IsEmpty => Names.Count == 0 && !Reserved;

    /// <summary>
    /// Runs one statement (or a few) alone on this session. A connection failure marks the session broken. Unless it
    /// <paramref name="waits"/> for a lock, the server answers it at once, and <see cref="CheckAsync"/> judges it by
    /// how long it has gone unanswered.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken, bool waits = false)
    {
        await _statement.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!waits)
        {
            Volatile.Write(ref _statementSince, Stopwatch.GetTimestamp());
        }

        try
        {
            ObjectDisposedException.ThrowIf(IsBroken, this);
            return await UntilBrokenAsync(work(_connection, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            MarkBroken(e);
            throw;
        }
        finally
        {
            Volatile.Write(ref _statementSince, 0);
            _statement.Release();
        }
    }

    /// <summary>The prepared hot-path commands; used between <see cref="EnterAsync"/> and <see cref="Exit"/>.</summary>
    public SessionCommands Commands => _commands;

    /// <summary>
    /// Takes the session for one statement, for the hot path, which awaits Npgsql itself (one state machine per
    /// acquire or release instead of a delegate and two more); pair with <see cref="Exit"/> and <see cref="NoteFailure"/>.
    /// </summary>
    public async Task EnterAsync()
    {
        await _statement.WaitAsync().ConfigureAwait(false);
        if (IsBroken)
        {
            _statement.Release();
            throw new ObjectDisposedException(nameof(PgSession), "The session's connection failed.");
        }

        Volatile.Write(ref _statementSince, Stopwatch.GetTimestamp());
    }

    /// <summary>Lets the next statement in.</summary>
    public void Exit()
    {
        Volatile.Write(ref _statementSince, 0);
        _statement.Release();
    }

    /// <summary>
    /// The statement's own task while it runs, unless the session is marked broken first (its check gave up on the
    /// server): then it fails at once. On a network gone silent Npgsql keeps a statement for its command timeout,
    /// whatever is done to the connection (a cancellation connects to the server too, a close waits for the answer),
    /// and the caller of a release or a try, told its holds are lost, must not wait with it.
    /// </summary>
    public ValueTask<T> UntilBrokenAsync<T>(Task<T> statement) => statement.IsCompleted ? new(statement) : StatementOrGivenUpAsync(statement);

    /// <inheritdoc cref="UntilBrokenAsync{T}(Task{T})"/>
    public ValueTask UntilBrokenAsync(Task statement) => statement.IsCompleted ? new(statement) : StatementOrGivenUpAsync(statement);

    // Pooled: the hot path awaits one of these per statement, and neither the watch nor the method allocates.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> StatementOrGivenUpAsync<T>(Task<T> statement)
    {
        if (!await _watch.WatchAsync(statement).ConfigureAwait(false))
        {
            throw GiveUp(statement);
        }

        return await statement.ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask StatementOrGivenUpAsync(Task statement)
    {
        if (!await _watch.WatchAsync(statement).ConfigureAwait(false))
        {
            throw GiveUp(statement);
        }

        await statement.ConfigureAwait(false);
    }

    private static ObjectDisposedException GiveUp(Task statement)
    {
        // It ends whenever Npgsql lets go of it; nobody awaits it any more.
        _ = statement.ContinueWith(static s => _ = s.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return new ObjectDisposedException(nameof(PgSession), "The session was given up: the server did not answer in time.");
    }

    /// <summary>After a statement failed: marks the session broken when the connection did; returns whether it is broken.</summary>
    public bool NoteFailure(Exception e)
    {
        if (IsConnectionFailure(e))
        {
            MarkBroken(e);
        }

        return IsBroken;
    }

    /// <summary>
    /// Checks the connection when no statement runs; false when it failed or did not answer within
    /// <paramref name="timeout"/>. A busy session counts as alive, unless it holds something
    /// (<paramref name="holds"/>) and a statement the server answers at once (anything but a wait for a lock: a try, a
    /// release, a listing, a break's look-up) has gone unanswered for longer than <paramref name="timeout"/>: on a
    /// silent network that statement waits for the driver's or the operating system's timeout, and the holds on the
    /// session must be reported lost long before the server could let them go.
    /// </summary>
    public async Task<bool> CheckAsync(TimeSpan timeout, bool holds)
    {
        if (IsBroken)
        {
            return false;
        }

        if (!await _statement.WaitAsync(0).ConfigureAwait(false))
        {
            var since = Volatile.Read(ref _statementSince);
            if (holds && since != 0 && Stopwatch.GetElapsedTime(since) > timeout)
            {
                MarkBroken(new TimeoutException($"the server did not answer a statement within {timeout.TotalSeconds:0.#} s"));
                return false;
            }

            return true;
        }

        // The driver's own cancellation cannot be relied on here: on a silent network (a partition) it sends its cancel
        // request over a new connection that hangs too, and the check would outlast the server's patience. So the
        // deadline is also kept here: a session that does not answer in time is broken, whatever the driver does next.
        var ping = PingAsync(timeout);
        if (await Task.WhenAny(ping, Task.Delay(timeout)).ConfigureAwait(false) == ping)
        {
            return await ping.ConfigureAwait(false);
        }

        MarkBroken(new TimeoutException($"the server did not answer a check within {timeout.TotalSeconds:0.#} s"));
        return false;
    }

    /// <summary>Runs SELECT 1 on the session taken by <see cref="CheckAsync"/>, and lets the next statement in when it ends.</summary>
    private async Task<bool> PingAsync(TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            await command.ExecuteScalarAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException)
        {
            MarkBroken(e);
            return false;
        }
        finally
        {
            _statement.Release();
        }
    }

    /// <summary>Marks the session broken, noting whether the server ended it; returns true the first time.</summary>
    public bool MarkBroken(Exception? cause = null)
    {
        if (cause is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown })
        {
            _terminated = true;
        }

        var first = Interlocked.Exchange(ref _broken, 1) == 0;
        _watch.GiveUp();
        return first;
    }

    /// <summary>Closes the connection, which ends the session and every lock it still holds.</summary>
    public async ValueTask DisposeAsync()
    {
        MarkBroken();

        // Let a statement in flight (a cancelled wait, a release) finish first: a connection is not closed under a running command.
        var idle = await _statement.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            // Bounded: with a statement still in flight (one given up), Npgsql's close reads the rest of its answer
            // first, and a CI run saw that read wait for good. The session is broken either way.
            await _connection.DisposeAsync().AsTask().WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
        {
            // The session is gone either way.
        }
        finally
        {
            if (idle)
            {
                _statement.Release();
            }
        }
    }

    /// <summary>How long closing the connection may take before the session is let go without it.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private bool IsConnectionFailure(Exception e) =>
        e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException && ConnectionFailed();

    private bool ConnectionFailed() =>
        _connection.FullState is ConnectionState.Closed or ConnectionState.Broken || (_connection.FullState & ConnectionState.Broken) != 0;
}
