using Baton.Internal;

namespace Baton;

/// <summary>
/// An exclusive lock on a name. Not reentrant: acquiring a name this process already holds waits like
/// anyone else. Get one from <see cref="Coordinator.CreateLock"/>.
/// </summary>
public sealed class DistributedLock
{
    private readonly Coordinator _coordinator;
    private readonly object? _preparedName;

    internal DistributedLock(Coordinator coordinator, string name)
    {
        _coordinator = coordinator;
        Name = name;
        _preparedName = coordinator.Backend.PrepareName(LockKind.Lock, name);
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>Acquires within the timeout, or returns null.</summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is negative (other than infinite) or too long.</exception>
    public ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        HandleFactory.Lock(Acquire(timeout, cancellationToken), _coordinator, Name, LockKind.Lock);

    /// <summary>Acquires within the timeout, or throws <see cref="TimeoutException"/>.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        HandleFactory.LockOrThrow(Acquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), _coordinator, Name, LockKind.Lock, timeout);

    /// <summary>Blocking form of <see cref="TryAcquireAsync"/>.</summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireAsync(timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="AcquireAsync"/>.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireAsync(timeout, cancellationToken));

    /// <summary>Shows the name.</summary>
    public override string ToString() => $"lock '{Name}'";

    private ValueTask<Backends.LockGrant?> Acquire(TimeSpan timeout, CancellationToken cancellationToken) =>
        Acquisition.RunAsync(_coordinator, Name, _preparedName, LockKind.Lock, LockMode.Exclusive, 1, timeout, cancellationToken);
}
