namespace Baton.Reliability.Workload;

/// <summary>One hold of whatever guards the critical section (a Baton lock, or one of the control arms).</summary>
public interface IExclusionHold : IAsyncDisposable
{
    /// <summary>The fencing token, or -1 without one.</summary>
    long Token { get; }

    /// <summary>Whether ownership can no longer be guaranteed.</summary>
    bool IsLost { get; }
}

/// <summary>What guards the critical section of the workload.</summary>
public interface IExclusion : IAsyncDisposable
{
    /// <summary>Acquires, waiting at most <paramref name="timeout"/>; null when that ran out.</summary>
    ValueTask<IExclusionHold?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A Baton lock: the arm under test.</summary>
public sealed class BatonExclusion(Coordinator coordinator, string name, bool ownsCoordinator = true) : IExclusion
{
    private readonly DistributedLock _lock = coordinator.CreateLock(name);

    /// <inheritdoc />
    public async ValueTask<IExclusionHold?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _lock.TryAcquireAsync(timeout, cancellationToken) is { } handle ? new Hold(handle) : null;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ownsCoordinator ? coordinator.DisposeAsync() : ValueTask.CompletedTask;

    private sealed class Hold(LockHandle handle) : IExclusionHold
    {
        public long Token => handle.FencingToken;

        public bool IsLost => handle.IsLost;

        public ValueTask DisposeAsync() => handle.DisposeAsync();
    }
}

/// <summary>The control arm: no lock at all. Every acquisition succeeds at once, without a token.</summary>
public sealed class NoExclusion : IExclusion
{
    private static readonly Hold Nothing = new();

    /// <inheritdoc />
    public ValueTask<IExclusionHold?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken) => new(Nothing);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Hold : IExclusionHold
    {
        public long Token => -1;

        public bool IsLost => false;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// The control arm of lock-file deletion: the naive lock file many programs use. Open (creating) the file and take
/// an exclusive flock on it; on release delete the file, then close. It never checks that the path still names the
/// file it locked, so once the file is deleted under a holder (by that release racing a waiter, or by an outside
/// process), a newcomer creates a fresh file and "holds the lock" alongside.
/// </summary>
public sealed class NaiveFileExclusion(string path) : IExclusion
{
    /// <inheritdoc />
    public async ValueTask<IExclusionHold?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on the open file; retried, as such locks usually are.
                return new Hold(path, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1, cancellationToken);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Hold(string path, FileStream file) : IExclusionHold
    {
        public long Token => -1;

        public bool IsLost => false;

        public ValueTask DisposeAsync()
        {
            File.Delete(path);
            return file.DisposeAsync();
        }
    }
}
