using Baton.Redis.Keys;
using StackExchange.Redis;

namespace Baton.Redis.Introspection;

/// <summary>
/// Turns the replies of the listing script (<c>{now, base, max, {holders}, {waiters}, …}</c>) and of the read of one
/// name (<c>{now, max, {holders}, {waiters}, due}</c>) into <see cref="LockInfo"/>s.
/// </summary>
internal static class Listing
{
    public static IReadOnlyList<LockInfo> Parse(RedisResult reply, string prefix, DateTimeOffset localNow)
    {
        var serverNow = (long)reply[0];
        var locks = new List<LockInfo>((reply.Length - 1) / 4);
        for (var i = 1; i + 3 < reply.Length; i += 4)
        {
            if (NameKey.TryParse(prefix, (string)reply[i]!, out var kind, out var name))
            {
                locks.Add(Describe(name, kind, reply[i + 1], reply[i + 2], reply[i + 3], serverNow, localNow));
            }
        }

        locks.Sort(static (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Name, b.Name));
        return locks;
    }

    /// <summary>The name the read script described, or null when nobody holds or waits.</summary>
    public static LockInfo? ParseOne(RedisResult reply, NameKey key, DateTimeOffset localNow) =>
        reply.Length < 5 ? null : Describe(key.Name, key.Kind, reply[1], reply[2], reply[3], (long)reply[0], localNow);

    private static LockInfo Describe(
        string name, LockKind kind, RedisResult max, RedisResult holderReply, RedisResult waiterReply, long serverNow, DateTimeOffset localNow)
    {
        var holderRecords = (string[])holderReply!;
        var waiterRecords = (string[])waiterReply!;
        var holders = new List<LockHolder>(holderRecords.Length);
        foreach (var record in holderRecords)
        {
            holders.Add(Records.ParseHolder(record, serverNow, localNow));
        }

        holders.Sort(static (a, b) => a.FencingToken.CompareTo(b.FencingToken));
        var waiters = new List<LockWaiter>(waiterRecords.Length);
        foreach (var record in waiterRecords)
        {
            waiters.Add(Records.ParseWaiter(record, serverNow, localNow));
        }

        return new LockInfo(name, kind, kind == LockKind.Semaphore ? (int)(long)max : 1, holders, waiters, localNow);
    }
}
