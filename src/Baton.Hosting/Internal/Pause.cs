namespace Baton.Hosting.Internal;

/// <summary>Waits of the hosted services' loops that end by a token without throwing.</summary>
internal static class Pause
{
    /// <summary>Waits <paramref name="delay"/> on <paramref name="timeProvider"/>; false when <paramref name="stopping"/> fired first.</summary>
    public static async Task<bool> ForAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, timeProvider, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Completes when either token fires.</summary>
    public static async Task UntilAsync(CancellationToken first, CancellationToken second)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (first.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), fired))
        using (second.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), fired))
        {
            await fired.Task.ConfigureAwait(false);
        }
    }
}
