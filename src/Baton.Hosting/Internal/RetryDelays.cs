namespace Baton.Hosting.Internal;

/// <summary>The rule for a pair of retry delays, shared by the leader and membership options.</summary>
internal static class RetryDelays
{
    private static readonly TimeSpan Max = TimeSpan.FromDays(1);

    /// <summary>What is wrong with the pair, each message starting with the key it names; empty when fine.</summary>
    public static IEnumerable<string> Problems(string retryDelayKey, TimeSpan retryDelay, string maxRetryDelayKey, TimeSpan maxRetryDelay)
    {
        if (retryDelay <= TimeSpan.Zero || retryDelay > Max)
        {
            yield return $"{retryDelayKey}: must be positive and at most a day; got {retryDelay}.";
        }

        if (maxRetryDelay < retryDelay || maxRetryDelay > Max)
        {
            yield return $"{maxRetryDelayKey}: must be at least the retry delay ({retryDelay}) and at most a day; got {maxRetryDelay}.";
        }
    }
}
