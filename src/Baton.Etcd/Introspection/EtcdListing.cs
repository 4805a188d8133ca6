using Baton.Etcd.Keys;
using Baton.Etcd.Queue;

namespace Baton.Etcd.Introspection;

/// <summary>Builds the listing from contender keys: holders and waiters by the queue's rules.</summary>
internal static class EtcdListing
{
    /// <summary>Every name under the prefix, from all its keys.</summary>
    public static IReadOnlyList<LockInfo> List(KeyLayout layout, IEnumerable<Mvccpb.KeyValue> kvs, DateTimeOffset now)
    {
        var byName = new Dictionary<(LockKind Kind, string Name), List<Contender>>();
        foreach (var kv in kvs)
        {
            if (!layout.TryParseContender(kv.Key, out var name, out var suffix, out var kind))
            {
                continue;
            }

            if (!byName.TryGetValue((kind, name), out var list))
            {
                byName[(kind, name)] = list = [];
            }

            list.Add(new Contender(kv.Key, suffix, kv.CreateRevision, kv.ModRevision, kv.Lease, ContenderValue.Decode(kv.Value)));
        }

        var infos = new List<LockInfo>();
        foreach (var ((kind, name), queue) in byName.OrderBy(p => p.Key.Name, StringComparer.Ordinal).ThenBy(p => p.Key.Kind))
        {
            queue.Sort(static (a, b) => a.CreateRevision.CompareTo(b.CreateRevision));
            infos.Add(Describe(name, kind, queue, now));
        }

        return infos;
    }

    /// <summary>One name from its contenders in queue order; null when there are none.</summary>
    public static LockInfo? Find(string name, LockKind kind, IReadOnlyList<Contender> queue, DateTimeOffset now) =>
        queue.Count == 0 ? null : Describe(name, kind, queue, now);

    private static LockInfo Describe(string name, LockKind kind, IReadOnlyList<Contender> queue, DateTimeOffset now)
    {
        var maxCount = kind == LockKind.Semaphore ? queue[0].Value.MaxCount : 1;
        var modes = QueueRules.Holders(queue, kind, maxCount);
        var holders = new List<LockHolder>();
        var waiters = new List<LockWaiter>();
        for (var i = 0; i < queue.Count; i++)
        {
            var contender = queue[i];
            var since = EtcdBackend.SinceOf(contender, now);
            if (modes[i] is { } mode)
            {
                holders.Add(new LockHolder(contender.Member, mode, contender.TokenHolding(mode), since));
                if (contender.Mode == ContenderMode.Upgrading && mode == LockMode.Shared)
                {
                    // A reader upgrading: it holds its read lock and waits for the write lock.
                    waiters.Add(new LockWaiter(contender.Member, LockMode.Exclusive, since));
                }
            }
            else
            {
                waiters.Add(new LockWaiter(contender.Member, WaitMode(contender), since));
            }
        }

        return new LockInfo(name, kind, maxCount, holders, waiters, now);
    }

    private static LockMode WaitMode(Contender contender) => contender.Mode switch
    {
        ContenderMode.Shared => LockMode.Shared,
        ContenderMode.Semaphore => LockMode.Semaphore,
        _ => LockMode.Exclusive,
    };
}
