using Baton.Internal;

namespace Baton;

/// <summary>
/// A reader-writer lock on a name: many readers or one writer. Waiters are served in arrival order, so
/// a waiting writer is not starved by a stream of readers. The writer side is the same lock as
/// <see cref="Coordinator.CreateLock"/> of the same name. Not reentrant.
/// </summary>
public sealed class DistributedReaderWriterLock
{
    private readonly Coordinator _coordinator;
    private readonly object? _preparedName;

    internal DistributedReaderWriterLock(Coordinator coordinator, string name)
    {
        _coordinator = coordinator;
        Name = name;
        _preparedName = coordinator.Backend.PrepareName(LockKind.Lock, name);
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>Acquires a shared (read) hold within the timeout, or returns null.</summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    public ValueTask<ReaderWriterLockHandle?> TryAcquireReadAsync(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        HandleFactory.ReaderWriter(Acquire(LockMode.Shared, timeout, cancellationToken), _coordinator, Name);

    /// <summary>Acquires a shared (read) hold within the timeout, or throws <see cref="TimeoutException"/>.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    public ValueTask<ReaderWriterLockHandle> AcquireReadAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        HandleFactory.ReaderWriterOrThrow(Acquire(LockMode.Shared, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), _coordinator, Name, timeout);

    /// <summary>Acquires an exclusive (write) hold within the timeout, or returns null.</summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    public ValueTask<ReaderWriterLockHandle?> TryAcquireWriteAsync(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        HandleFactory.ReaderWriter(Acquire(LockMode.Exclusive, timeout, cancellationToken), _coordinator, Name);

    /// <summary>Acquires an exclusive (write) hold within the timeout, or throws <see cref="TimeoutException"/>.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    public ValueTask<ReaderWriterLockHandle> AcquireWriteAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        HandleFactory.ReaderWriterOrThrow(Acquire(LockMode.Exclusive, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), _coordinator, Name, timeout);

    /// <summary>Blocking form of <see cref="TryAcquireReadAsync"/>.</summary>
    /// <param name="timeout">Zero tries once (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ReaderWriterLockHandle? TryAcquireRead(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireReadAsync(timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="TryAcquireWriteAsync"/>.</summary>
    /// <param name="timeout">Zero tries once (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ReaderWriterLockHandle? TryAcquireWrite(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireWriteAsync(timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="AcquireReadAsync"/>.</summary>
    /// <param name="timeout">Null waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ReaderWriterLockHandle AcquireRead(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireReadAsync(timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="AcquireWriteAsync"/>.</summary>
    /// <param name="timeout">Null waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ReaderWriterLockHandle AcquireWrite(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireWriteAsync(timeout, cancellationToken));

    /// <summary>Shows the name.</summary>
    public override string ToString() => $"reader-writer lock '{Name}'";

    private ValueTask<Backends.LockGrant?> Acquire(LockMode mode, TimeSpan timeout, CancellationToken cancellationToken) =>
        Acquisition.RunAsync(_coordinator, Name, _preparedName, LockKind.Lock, mode, 1, timeout, cancellationToken);
}
