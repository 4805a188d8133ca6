using Baton.Backends;

namespace Baton.Internal;

/// <summary>Wraps a grant in its public handle without an async state machine when the grant came at once.</summary>
internal static class HandleFactory
{
    public static ValueTask<THandle?> Wrap<THandle>(
        ValueTask<LockGrant?> acquiring, Coordinator coordinator, string name, LockKind kind, Func<Coordinator, string, LockKind, LockGrant, THandle> create)
        where THandle : LockHandleBase
    {
        if (acquiring.IsCompletedSuccessfully)
        {
            return new(acquiring.Result is { } grant ? create(coordinator, name, kind, grant) : null);
        }

        return Awaited(acquiring, coordinator, name, kind, create);

        static async ValueTask<THandle?> Awaited(
            ValueTask<LockGrant?> pending, Coordinator coordinator, string name, LockKind kind, Func<Coordinator, string, LockKind, LockGrant, THandle> create) =>
            await pending.ConfigureAwait(false) is { } grant ? create(coordinator, name, kind, grant) : null;
    }

    public static readonly Func<Coordinator, string, LockKind, LockGrant, LockHandle> Lock =
        static (coordinator, name, kind, grant) => new LockHandle(coordinator, name, kind, grant);

    public static readonly Func<Coordinator, string, LockKind, LockGrant, ReaderWriterLockHandle> ReaderWriter =
        static (coordinator, name, _, grant) => new ReaderWriterLockHandle(coordinator, name, grant);
}
