namespace Baton.Postgres.Sessions;

/// <summary>What a session's watch needs from its backend.</summary>
/// <param name="Time">The backend's clock, for the watch's delay.</param>
/// <param name="HoldsSomething">Whether the session holds anything now (the backend's lock guards its grants).</param>
/// <param name="Failed">Called once when the watch saw the connection end: the backend reports the session's holds lost.</param>
internal sealed record SessionWatchHooks(TimeProvider Time, Func<PgSession, bool> HoldsSomething, Action<PgSession> Failed);

/// <summary>
/// The watch: a read kept pending on a session that holds something and runs no statement. PostgreSQL tells a session's
/// client when it ends it (a crash, a shutdown, pg_terminate_backend) and closes the socket; without a pending read the
/// client would learn at its next check, up to a check interval later, and a server back within that interval could
/// grant the lock to another first. The read starts <see cref="WatchDelay"/> after the last statement, so short holds
/// (the hot path) never pay for it; a statement stops it first (cancelling a read sends nothing and keeps the session).
/// </summary>
internal sealed partial class PgSession
{
    /// <summary>How long a holding session is idle before its read is put up.</summary>
    internal static readonly TimeSpan WatchDelay = TimeSpan.FromMilliseconds(10);

    private readonly Lock _watchGate = new();
    private readonly SessionWatchHooks _watchHooks;
    private readonly ITimer _watchTimer;

    /// <summary>Statements that want the session or run on it; the watch runs only while there are none.</summary>
    private int _demand;

    /// <summary>Stops the watch running now; null when none runs. Guarded by <see cref="_watchGate"/>.</summary>
    private CancellationTokenSource? _watchStop;

    /// <summary>True while a read is pending on the session (for tests).</summary>
    internal bool IsWatched
    {
        get
        {
            lock (_watchGate)
            {
                return _watchStop is not null;
            }
        }
    }

    /// <summary>A statement wants the session: no watch starts, and a running one stops. True when one was running.</summary>
    private bool Want()
    {
        Interlocked.Increment(ref _demand);
        _watchTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_watchGate)
        {
            // The watch ends on its own thread (it yields), so cancelling here never runs it inline under the lock.
            _watchStop?.Cancel();
            return _watchStop is not null;
        }
    }

    /// <summary>A statement is done with the session: when none is left, the watch may start after its delay.</summary>
    private void Unwant()
    {
        if (Interlocked.Decrement(ref _demand) == 0 && !IsBroken)
        {
            _watchTimer.Change(WatchDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnWatchTimer()
    {
        if (IsBroken || Volatile.Read(ref _demand) > 0 || !_watchHooks.HoldsSomething(this))
        {
            return;
        }

        CancellationTokenSource stop;
        lock (_watchGate)
        {
            // Checked under the lock that Want() cancels under: a statement that came after this sees the watch and stops it.
            if (Volatile.Read(ref _demand) > 0 || _watchStop is not null || !_statement.Wait(0))
            {
                return;
            }

            stop = new CancellationTokenSource();
            _watchStop = stop;
        }

        _ = WatchAsync(stop);
    }

    /// <summary>Keeps a read pending until a statement stops it or the connection ends; holds the statement slot meanwhile.</summary>
    private async Task WatchAsync(CancellationTokenSource stop)
    {
        Exception? failure = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Nothing is listened for, so a read returns only when the server says something: almost always that it
                // ends the session. ForceYielding: the rest never runs inline in Want()'s cancel.
                var read = _connection.WaitAsync(stop.Token);
                await read.ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
                if (read.IsFaulted)
                {
                    failure = read.Exception.InnerException ?? read.Exception;
                    break;
                }

                if (read.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Thrown before the read started: the connection is closed or broken.
            failure = e;
        }
        finally
        {
            lock (_watchGate)
            {
                _watchStop = null;
            }

            stop.Dispose();
        }

        if (failure is null)
        {
            _statement.Release();
            return;
        }

        // Whatever made the read fail, the session can no longer be trusted with its locks.
        var first = MarkBroken(failure);
        _statement.Release();
        if (first)
        {
            _watchHooks.Failed(this);
        }
    }
}
