using System.Globalization;

namespace Baton.Cli.Shared;

/// <summary>
/// A holder's, waiter's, leader's or group member's identity in the JSON of <c>locks</c>, <c>leader</c> and
/// <c>members</c> (the <c>member</c> object, one shape everywhere).
/// </summary>
/// <param name="Host">Host name.</param>
/// <param name="Pid">Process id on that host.</param>
/// <param name="Process">Process name.</param>
/// <param name="Id">The member id, or null.</param>
internal sealed record MemberEntry(string Host, int Pid, string Process, string? Id)
{
    /// <summary>The entry of a library identity.</summary>
    /// <param name="member">Who.</param>
    public static MemberEntry From(MemberIdentity member) => new(member.Host, member.ProcessId, member.ProcessName, member.CustomId);

    /// <summary>A duration as the JSON gives it: seconds, milliseconds precision, never negative (clocks of two machines may disagree).</summary>
    /// <param name="span">The duration.</param>
    public static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);

    /// <summary>A time as the tables show it: UTC, to the second.</summary>
    /// <param name="time">The time.</param>
    public static string TableTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
