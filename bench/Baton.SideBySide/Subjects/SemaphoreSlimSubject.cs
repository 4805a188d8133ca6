using System.Collections.Concurrent;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// The in-process floor: <see cref="SemaphoreSlim"/>(1, 1) per name, <c>WaitAsync</c> + <c>Release</c>.
/// Clients of the same name share one semaphore.
/// </summary>
internal sealed class SemaphoreSlimSubject : InProcessSubject
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _semaphores = new(StringComparer.Ordinal);

    public SemaphoreSlimSubject()
        : base("semaphoreslim")
    {
    }

    public override ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken) =>
        new(new Client(_semaphores.GetOrAdd(lockName, static _ => new SemaphoreSlim(1, 1))));

    public override ValueTask DisposeAsync()
    {
        foreach (var semaphore in _semaphores.Values)
        {
            semaphore.Dispose();
        }

        _semaphores.Clear();
        return base.DisposeAsync();
    }

    private sealed class Client(SemaphoreSlim semaphore) : ILockClient
    {
        public ValueTask AcquireAsync()
        {
            var waiting = semaphore.WaitAsync();
            return waiting.IsCompletedSuccessfully ? default : new ValueTask(waiting);
        }

        public ValueTask ReleaseAsync()
        {
            semaphore.Release();
            return default;
        }

        public ValueTask DisposeAsync() => default;
    }
}
