using Baton.Redis.Keys;
using StackExchange.Redis;

namespace Baton.Redis.Introspection;

/// <summary>Turns the listing script's reply (<c>{now, base, max, {holders}, {waiters}, …}</c>) into <see cref="LockInfo"/>s.</summary>
internal static class Listing
{
    public static IReadOnlyList<LockInfo> Parse(RedisResult reply, string prefix, DateTimeOffset localNow)
    {
        var serverNow = (long)reply[0];
        var locks = new List<LockInfo>((reply.Length - 1) / 4);
        for (var i = 1; i + 3 < reply.Length; i += 4)
        {
            if (!NameKey.TryParse(prefix, (string)reply[i]!, out var kind, out var name))
            {
                continue;
            }

            var max = (int)(long)reply[i + 1];
            var holderRecords = (string[])reply[i + 2]!;
            var waiterRecords = (string[])reply[i + 3]!;
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

            locks.Add(new LockInfo(name, kind, kind == LockKind.Semaphore ? max : 1, holders, waiters, localNow));
        }

        locks.Sort(static (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Name, b.Name));
        return locks;
    }
}
