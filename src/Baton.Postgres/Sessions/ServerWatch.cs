using Npgsql;

namespace Baton.Postgres.Sessions;

/// <summary>
/// One connection of a coordinator, holding nothing and running nothing, that keeps a read pending from the coordinator's
/// first hold until its disposal. A server that crashes or shuts down ends every session and tells each client; the
/// holding sessions are idle and would learn only at their next check, up to a check interval later, and a server back
/// within that interval could grant their locks to others first. This read learns at once, and the backend checks every
/// session right then. A connection of its own, so that no statement of the hot path ever has to stop a read first.
/// </summary>
internal sealed class ServerWatch(Func<CancellationToken, Task<NpgsqlConnection>> open, Action serverEnded, TimeProvider time, TimeSpan retryInterval)
    : IAsyncDisposable
{
    private readonly CancellationTokenSource _closing = new();
    private Task _watching = Task.CompletedTask;
    private int _started;

    /// <summary>Starts watching, once (the coordinator's first hold); later calls do nothing.</summary>
    public void Start()
    {
        if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            _watching = Task.Run(WatchAsync);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _started, 1);
        await _closing.CancelAsync().ConfigureAwait(false);
        await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Dispose();
    }

    private async Task WatchAsync()
    {
        var closing = _closing.Token;
        while (!closing.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await open(closing).ConfigureAwait(false);
                while (!closing.IsCancellationRequested)
                {
                    // Nothing is listened for: a read returns when the server ends the session, or fails when the socket does.
                    var read = connection.WaitAsync(closing);
                    await read.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (read.IsFaulted && !closing.IsCancellationRequested)
                    {
                        serverEnded();
                        break;
                    }
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or TimeoutException)
            {
                // The server is down (or the coordinator closing): try again after a while.
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            try
            {
                await Task.Delay(retryInterval, time, closing).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
