using System.Globalization;

namespace Baton.Cli.Shared;

/// <summary>
/// Durations as DESIGN.md writes them: <c>0</c>, <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, or a plain
/// number of seconds (<c>1.5</c>). No sign, no spaces, no combinations (<c>1h30m</c> is <c>90m</c>).
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
        value = default;
        var (number, unitMilliseconds) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1d),
            _ when text.EndsWith('s') => (text[..^1], 1_000d),
            _ when text.EndsWith('m') => (text[..^1], 60_000d),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000d),
            _ => (text, 1_000d),
        };

        if (number.Length == 0
            || (!char.IsAsciiDigit(number[0]) && number[0] != '.')
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || double.IsNaN(amount))
        {
            error = $"'{text}' is not a duration: use {Syntax}.";
            return false;
        }

        var milliseconds = amount * unitMilliseconds;
        if (milliseconds > Max.TotalMilliseconds)
        {
            error = $"'{text}' is too long: at most {Max.TotalDays:F0} days; leave the option out to wait forever.";
            return false;
        }

        value = TimeSpan.FromMilliseconds(Math.Round(milliseconds));
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
