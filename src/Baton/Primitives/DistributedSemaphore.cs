using Baton.Internal;

namespace Baton;

/// <summary>
/// A counting semaphore on a name: at most <see cref="MaxCount"/> holders at once, served in arrival
/// order. Semaphores have their own names, apart from locks. Every user of a name must agree on the count.
/// </summary>
public sealed class DistributedSemaphore
{
    /// <summary>The largest count a semaphore may have.</summary>
    public const int MaxMaxCount = 1_000_000;

    private readonly Coordinator _coordinator;
    private readonly object? _preparedName;

    internal DistributedSemaphore(Coordinator coordinator, string name, int maxCount)
    {
        _coordinator = coordinator;
        Name = name;
        _preparedName = coordinator.Backend.PrepareName(LockKind.Semaphore, name);
        MaxCount = maxCount;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>How many may hold it at once.</summary>
    public int MaxCount { get; }

    /// <summary>Takes a slot within the timeout, or returns null.</summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">The semaphore is in use with a different count.</exception>
    public ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        HandleFactory.Lock(Acquire(timeout, cancellationToken), _coordinator, Name, LockKind.Semaphore);

    /// <summary>Takes a slot within the timeout, or throws <see cref="TimeoutException"/>.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        HandleFactory.LockOrThrow(Acquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), _coordinator, Name, LockKind.Semaphore, timeout);

    /// <summary>Blocking form of <see cref="TryAcquireAsync"/>.</summary>
    /// <param name="timeout">Zero tries once (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireAsync(timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="AcquireAsync"/>.</summary>
    /// <param name="timeout">Null waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireAsync(timeout, cancellationToken));

    /// <summary>Shows the name and count.</summary>
    public override string ToString() => $"semaphore '{Name}' of {MaxCount}";

    private ValueTask<Backends.LockGrant?> Acquire(TimeSpan timeout, CancellationToken cancellationToken) =>
        Acquisition.RunAsync(_coordinator, Name, _preparedName, LockKind.Semaphore, LockMode.Semaphore, MaxCount, timeout, cancellationToken);
}
