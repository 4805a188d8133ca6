namespace Baton.Internal;

/// <summary>The "acquire" forms: the "try" result, or the one wording of "not acquired in time".</summary>
internal static class Timeouts
{
    public static TimeoutException NotAcquired(string name, TimeSpan? timeout) =>
        new($"Could not acquire '{name}' within {timeout ?? Timeout.InfiniteTimeSpan}: it is held by someone else. List holders with Coordinator.ListLocksAsync or `baton locks`.");

    /// <summary>Turns a null handle into a <see cref="TimeoutException"/>, without an async state machine when the handle came at once.</summary>
    public static ValueTask<THandle> OrThrow<THandle>(ValueTask<THandle?> attempt, string name, TimeSpan? timeout)
        where THandle : LockHandleBase
    {
        if (attempt.IsCompletedSuccessfully)
        {
            return attempt.Result is { } handle ? new(handle) : ValueTask.FromException<THandle>(NotAcquired(name, timeout));
        }

        return Awaited(attempt, name, timeout);

        static async ValueTask<THandle> Awaited(ValueTask<THandle?> pending, string name, TimeSpan? timeout) =>
            await pending.ConfigureAwait(false) ?? throw NotAcquired(name, timeout);
    }
}
