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
        CancellationTokenSource? running;
        lock (_watchGate)
        {
            running = _watchStop;
        }

        // Outside the lock: the watch may end inline in this call, on this thread, and give the statement slot back at
        // once (a hop through the thread pool would cost up to a second when the pool is busy). A watch that ended
        // meanwhile leaves its source cancelled and alone, never disposed, so a late cancel does nothing.
        running?.Cancel();
        return running is not null;
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
                // ends the session.
                var read = _connection.WaitAsync(stop.Token);
                await read.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // A failure first, even when a statement stopped the watch meanwhile: what the server said (a
                // termination by a break, 57P01) is read once, here, and must reach the holds' loss reason.
                if (read.IsFaulted)
                {
                    failure = read.Exception.InnerException ?? read.Exception;
                    break;
                }

                if (read.IsCanceled || stop.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped before the read started.
        }
        catch (Exception e)
        {
            // Thrown before the read started (a closed or broken connection), or anything else: the statement slot
            // must come back whatever happened, and a session that cannot be watched is not trusted with its locks.
            failure = e;
        }
        finally
        {
            lock (_watchGate)
            {
                _watchStop = null;
            }
        }

        if (failure is null)
        {
            _statement.Release();
            return;
        }

        var first = MarkBroken(failure);
        _statement.Release();
        if (first)
        {
            _watchHooks.Failed(this);
        }
    }
}
