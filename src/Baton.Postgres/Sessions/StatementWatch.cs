using System.Threading.Tasks.Sources;

namespace Baton.Postgres.Sessions;

/// <summary>
/// Tells, for the one statement a session runs at a time, which comes first: the statement's end, or the session being
/// given up. Reused for every statement of the session, so the hot path awaits it without allocating.
/// </summary>
internal sealed class StatementWatch : IValueTaskSource<bool>
{
    private readonly Action _statementEnded;
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _decided = 1;
    private volatile bool _givenUp;

    public StatementWatch() => _statementEnded = () => Decide(ended: true);

    /// <summary>
    /// True when <paramref name="statement"/> ended first, false when <see cref="GiveUp"/> came first (or already
    /// came). Only one statement at a time: the session's statement gate is held.
    /// </summary>
    public ValueTask<bool> WatchAsync(Task statement)
    {
        _core.Reset();
        Volatile.Write(ref _decided, 0);

        // After the reset: a give-up that found the previous watch decided is seen here.
        if (_givenUp)
        {
            Decide(ended: false);
        }

        statement.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_statementEnded);
        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Ends the watch in progress, and every later one, with false.</summary>
    public void GiveUp()
    {
        _givenUp = true;

        // On the pool: the statement's caller goes on from here, and whoever gives up (a check, a disposal) must not run it.
        ThreadPool.UnsafeQueueUserWorkItem(static watch => watch.Decide(ended: false), this, preferLocal: false);
    }

    private void Decide(bool ended)
    {
        if (Interlocked.Exchange(ref _decided, 1) == 0)
        {
            _core.SetResult(ended);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
