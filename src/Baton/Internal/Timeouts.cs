namespace Baton.Internal;

/// <summary>The one wording of "not acquired in time".</summary>
internal static class Timeouts
{
    public static TimeoutException NotAcquired(string name, TimeSpan? timeout) =>
        new($"Could not acquire '{name}' within {timeout ?? Timeout.InfiniteTimeSpan}: it is held by someone else. List holders with Coordinator.ListLocksAsync or `baton locks`.");
}
