namespace Baton.Internal;

/// <summary>DESIGN rule 6: zero tries once, <see cref="Timeout.InfiniteTimeSpan"/> waits forever, anything else must be positive.</summary>
internal static class TimeoutValidation
{
    /// <summary>The longest finite wait timers support (about 49.7 days).</summary>
    public static readonly TimeSpan MaxFinite = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static void Validate(TimeSpan timeout, string paramName)
    {
        if (timeout == Timeout.InfiniteTimeSpan || (timeout >= TimeSpan.Zero && timeout <= MaxFinite))
        {
            return;
        }

        throw new ArgumentOutOfRangeException(
            paramName,
            timeout,
            timeout < TimeSpan.Zero
                ? $"A timeout must be TimeSpan.Zero (try once), positive, or Timeout.InfiniteTimeSpan (wait forever); {timeout} is negative."
                : $"A timeout must be at most {MaxFinite.TotalDays:F1} days; use Timeout.InfiniteTimeSpan to wait forever.");
    }
}
