namespace Baton.ZooKeeper.Observing;

/// <summary>
/// "Something may have changed", for one waiter: every <see cref="Set"/> since the waiter's last wake completes its
/// next wait, and any number of them completes it once.
/// </summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;
    private long _seen;

    public void Set()
    {
        // The count first, then the swap: a waiter that read the old task before the count either sees the count or
        // is woken by that very task.
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

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
