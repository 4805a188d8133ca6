using System.Runtime.CompilerServices;
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
        TryAcquireFast(timeout, cancellationToken) is { } handle
            ? new(handle)
            : HandleFactory.Lock(Acquire(timeout, cancellationToken), _coordinator, Name, LockKind.Lock);

    /// <summary>Acquires within the timeout, or throws <see cref="TimeoutException"/>.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, throwing <see cref="OperationCanceledException"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // Lets the caller's state machine hold the fast path; measured 10 ns.
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        TryAcquireFast(timeout.GetValueOrDefault(Timeout.InfiniteTimeSpan), cancellationToken) is { } handle ? new(handle) : AcquireOrThrow(timeout, cancellationToken);

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

    /// <summary>An idle name in an in-process backend: the handle is the only object made (see <see cref="FastHoldOwner"/>).</summary>
    private LockHandle? TryAcquireFast(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Acquisition.MayTakeFastPath(_coordinator, timeout, cancellationToken)
            || _coordinator.Backend.TryAcquireExclusiveFast(_coordinator, Name, _preparedName) is not { } handle)
        {
            return null;
        }

        Acquisition.CountFastAcquired(_coordinator);
        return handle;
    }

    private ValueTask<LockHandle> AcquireOrThrow(TimeSpan? timeout, CancellationToken cancellationToken) =>
        HandleFactory.LockOrThrow(Acquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), _coordinator, Name, LockKind.Lock, timeout);

    private ValueTask<Backends.LockGrant?> Acquire(TimeSpan timeout, CancellationToken cancellationToken) =>
        Acquisition.RunAsync(_coordinator, Name, _preparedName, LockKind.Lock, LockMode.Exclusive, 1, timeout, cancellationToken);
}
