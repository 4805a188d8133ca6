using System.Globalization;

namespace Baton.Redis.Introspection;

/// <summary>
/// Reads the records the scripts keep (see <see cref="Scripts.LuaScripts"/>). Server times are turned into this
/// process's clock through the server's "now" of the same reply, so a skew between the clocks of the two machines
/// does not show in listings and takeover notices.
/// </summary>
internal static class Records
{
    public static LockMode ParseMode(char letter) => letter switch
    {
        'x' => LockMode.Exclusive,
        's' => LockMode.Shared,
        _ => LockMode.Semaphore,
    };

    public static char ModeLetter(LockMode mode) => mode switch
    {
        LockMode.Exclusive => 'x',
        LockMode.Shared => 's',
        _ => 'n',
    };

    /// <summary>A server time in this process's clock.</summary>
    public static DateTimeOffset ToLocal(long serverMilliseconds, long serverNow, DateTimeOffset localNow) =>
        localNow - TimeSpan.FromMilliseconds(Math.Max(0, serverNow - serverMilliseconds));

    /// <summary>A holder record: <c>mode|token|since|owner|member</c>.</summary>
    public static LockHolder ParseHolder(string record, long serverNow, DateTimeOffset localNow)
    {
        var parts = record.Split('|', 5);
        if (parts.Length < 5)
        {
            return new LockHolder(new MemberIdentity("?", 0, "?"), LockMode.Exclusive, 0, localNow);
        }

        return new LockHolder(
            MemberCodec.Decode(parts[4]),
            ParseMode(parts[0].Length > 0 ? parts[0][0] : 'x'),
            ParseLong(parts[1]),
            ToLocal(ParseLong(parts[2]), serverNow, localNow));
    }

    /// <summary>A waiter record: <c>mode|since|owner|member</c>.</summary>
    public static LockWaiter ParseWaiter(string record, long serverNow, DateTimeOffset localNow)
    {
        var parts = record.Split('|', 4);
        if (parts.Length < 4)
        {
            return new LockWaiter(new MemberIdentity("?", 0, "?"), LockMode.Exclusive, localNow);
        }

        return new LockWaiter(MemberCodec.Decode(parts[3]), ParseMode(parts[0].Length > 0 ? parts[0][0] : 'x'), ToLocal(ParseLong(parts[1]), serverNow, localNow));
    }

    /// <summary>A pending takeover: <c>token|reason|endedAt|member</c>; null for none.</summary>
    public static TakeoverNotice? ParseTakeover(string? record, long serverNow, DateTimeOffset localNow)
    {
        if (string.IsNullOrEmpty(record))
        {
            return null;
        }

        var parts = record.Split('|', 4);
        if (parts.Length < 4)
        {
            return null;
        }

        var reason = parts[1] switch
        {
            "b" => TakeoverReason.Broken,
            "a" => TakeoverReason.Abandoned,
            _ => TakeoverReason.LeaseExpired,
        };
        return new TakeoverNotice(MemberCodec.Decode(parts[3]), ParseLong(parts[0]), reason, ToLocal(ParseLong(parts[2]), serverNow, localNow));
    }

    public static long ParseLong(string text) => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
