using System.Globalization;

namespace Baton.Cli.Shared;

/// <summary>
/// How the JSON of <c>leader</c> and <c>members</c> gives durations, and how tables show times. Identities are
/// <see cref="Baton.Introspection.MemberEntry"/>, the <c>member</c> object of <c>locks --json</c>: one shape everywhere.
/// </summary>
internal static class JsonFields
{
    /// <summary>A duration as the JSON gives it: seconds, milliseconds precision, never negative (clocks of two machines may disagree).</summary>
    /// <param name="span">The duration.</param>
    public static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);

    /// <summary>A time as the tables show it: UTC, to the second.</summary>
    /// <param name="time">The time.</param>
    public static string TableTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
