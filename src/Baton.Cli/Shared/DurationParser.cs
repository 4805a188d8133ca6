using System.Globalization;

namespace Baton.Cli.Shared;

/// <summary>
/// Durations as DESIGN.md writes them (read by <see cref="Baton.Backends.BackendUrl.TryParseDuration"/>, as backend
/// options are), with the command line's limit and messages.
/// </summary>
internal static class DurationParser
{
    /// <summary>The longest duration accepted: what the library's timers support (about 49.7 days).</summary>
    public static readonly TimeSpan Max = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>What a duration looks like, for messages and help.</summary>
    public const string Syntax = "0, 250ms, 30s, 5m, 1h, or a plain number of seconds";

    /// <summary>Parses a duration, or says what is wrong with it.</summary>
    /// <param name="text">The text given on the command line.</param>
    /// <param name="value">The duration when valid.</param>
    /// <param name="error">Why it is not valid, otherwise null.</param>
    public static bool TryParse(string text, out TimeSpan value, out string? error)
    {
        if (!Baton.Backends.BackendUrl.TryParseDuration(text, out value))
        {
            error = $"'{text}' is not a duration: use {Syntax}.";
            return false;
        }

        if (value > Max)
        {
            value = default;
            error = $"'{text}' is too long: at most {Max.TotalDays:F0} days; leave the option out to wait forever.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>A short human form: <c>850ms</c>, <c>12.3s</c>, <c>5m02s</c>, <c>3h04m</c>, <c>2d03h</c>.</summary>
    /// <param name="duration">The duration; negative values show as zero.</param>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        return duration switch
        {
            { TotalSeconds: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMilliseconds}ms"),
            { TotalSeconds: < 60 } => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(duration.TotalSeconds * 10) / 10:0.0}s"),
            { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes}m{duration.Seconds:00}s"),
            { TotalDays: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.Hours}h{duration.Minutes:00}m"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays}d{duration.Hours:00}h"),
        };
    }
}
