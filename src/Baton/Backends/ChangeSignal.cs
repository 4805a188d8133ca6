namespace Baton.Backends;

/// <summary>
/// "Something may have changed", for one waiter — the usual insides of a <see cref="NameWatch"/>: every
/// <see cref="Set"/> since the waiter's last wake completes its next wait, and any number of them completes it once.
/// <see cref="Set"/> may be called from any thread; one caller waits at a time.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;
    private long _seen;

    /// <summary>Wakes the waiter, or the next wait when nobody waits now.</summary>
    public void Set()
    {
        // The count first, then the swap: a waiter that read the old task before the count either sees the count or
        // is woken by that very task.
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Completes at once when <see cref="Set"/> was called since the previous wait completed, else at the next call.</summary>
    /// <param name="cancellationToken">Stops waiting; a signal that raced the cancellation stays for the next wait.</param>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = Volatile.Read(ref _next);
            var version = Interlocked.Read(ref _version);
            if (version != _seen)
            {
                _seen = version;
                return;
            }

            await next.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
