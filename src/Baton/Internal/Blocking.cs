namespace Baton.Internal;

/// <summary>The synchronous forms: the caller asked to block the thread, so this is the one place that does.</summary>
internal static class Blocking
{
    public static T Wait<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
