using Baton.Backends;

namespace Baton.Internal;

/// <summary>
/// Wraps a grant in its public handle, and turns "not acquired" into the acquire forms'
/// <see cref="TimeoutException"/>, without an async state machine when the grant came at once. One
/// non-generic method per handle type: shared generic code over reference types costs a dictionary
/// lookup per call, which is measurable on the uncontended path.
/// </summary>
internal static class HandleFactory
{
    public static ValueTask<LockHandle?> Lock(ValueTask<LockGrant?> acquiring, Coordinator coordinator, string name, LockKind kind)
    {
        if (acquiring.IsCompletedSuccessfully)
        {
            return new(acquiring.Result is { } grant ? new LockHandle(coordinator, name, kind, grant) : null);
        }

        return Awaited(acquiring, coordinator, name, kind);

        static async ValueTask<LockHandle?> Awaited(ValueTask<LockGrant?> pending, Coordinator coordinator, string name, LockKind kind) =>
            await pending.ConfigureAwait(false) is { } grant ? new LockHandle(coordinator, name, kind, grant) : null;
    }

    public static ValueTask<LockHandle> LockOrThrow(
        ValueTask<LockGrant?> acquiring, Coordinator coordinator, string name, LockKind kind, TimeSpan? timeout)
    {
        if (acquiring.IsCompletedSuccessfully)
        {
            return acquiring.Result is { } grant
                ? new(new LockHandle(coordinator, name, kind, grant))
                : ValueTask.FromException<LockHandle>(Timeouts.NotAcquired(name, timeout));
        }

        return Awaited(acquiring, coordinator, name, kind, timeout);

        static async ValueTask<LockHandle> Awaited(
            ValueTask<LockGrant?> pending, Coordinator coordinator, string name, LockKind kind, TimeSpan? timeout) =>
            await pending.ConfigureAwait(false) is { } grant
                ? new LockHandle(coordinator, name, kind, grant)
                : throw Timeouts.NotAcquired(name, timeout);
    }

    public static ValueTask<ReaderWriterLockHandle?> ReaderWriter(ValueTask<LockGrant?> acquiring, Coordinator coordinator, string name)
    {
        if (acquiring.IsCompletedSuccessfully)
        {
            return new(acquiring.Result is { } grant ? new ReaderWriterLockHandle(coordinator, name, grant) : null);
        }

        return Awaited(acquiring, coordinator, name);

        static async ValueTask<ReaderWriterLockHandle?> Awaited(ValueTask<LockGrant?> pending, Coordinator coordinator, string name) =>
            await pending.ConfigureAwait(false) is { } grant ? new ReaderWriterLockHandle(coordinator, name, grant) : null;
    }

    public static ValueTask<ReaderWriterLockHandle> ReaderWriterOrThrow(
        ValueTask<LockGrant?> acquiring, Coordinator coordinator, string name, TimeSpan? timeout)
    {
        if (acquiring.IsCompletedSuccessfully)
        {
            return acquiring.Result is { } grant
                ? new(new ReaderWriterLockHandle(coordinator, name, grant))
                : ValueTask.FromException<ReaderWriterLockHandle>(Timeouts.NotAcquired(name, timeout));
        }

        return Awaited(acquiring, coordinator, name, timeout);

        static async ValueTask<ReaderWriterLockHandle> Awaited(
            ValueTask<LockGrant?> pending, Coordinator coordinator, string name, TimeSpan? timeout) =>
            await pending.ConfigureAwait(false) is { } grant
                ? new ReaderWriterLockHandle(coordinator, name, grant)
                : throw Timeouts.NotAcquired(name, timeout);
    }
}
