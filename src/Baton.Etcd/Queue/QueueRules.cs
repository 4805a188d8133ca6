using Baton.Etcd.Keys;
using Etcdserverpb;
using Google.Protobuf;

namespace Baton.Etcd.Queue;

/// <summary>Where a contender stands: holding, or waiting and for which key's change (or any change in the name).</summary>
internal readonly record struct Standing(bool Holds, Contender? WaitFor)
{
    /// <summary>Waiting on the whole name (upgrades and semaphores: any leaver may let it in).</summary>
    public bool WaitsForAny => !Holds && WaitFor is null;
}

/// <summary>
/// The queue of a name, read from its contender keys in create-revision order (arrival order, cluster-wide):
/// <list type="bullet">
/// <item>a writer holds when no key is before it (etcd's <c>concurrency.Mutex</c>), and waits for the one just before it;</item>
/// <item>a reader holds when no writer is before it and no upgrade began before it arrived, and waits for the last such;</item>
/// <item>an upgrading reader holds alone once no other key holds (it keeps its read hold meanwhile);</item>
/// <item>a semaphore contender holds when among the first N.</item>
/// </list>
/// </summary>
internal static class QueueRules
{
    /// <summary>The direct contender keys of one name and kind in a range response, oldest first.</summary>
    public static List<Contender> Contenders(IEnumerable<Mvccpb.KeyValue> kvs, ByteString contenders, LockKind kind)
    {
        var list = new List<Contender>();
        foreach (var kv in kvs)
        {
            if (KeyLayout.DirectSuffix(contenders, kv.Key) is not { } suffix || (KeyLayout.IsSemaphoreSuffix(suffix) != (kind == LockKind.Semaphore)))
            {
                continue;
            }

            list.Add(new Contender(kv.Key, suffix, kv.CreateRevision, kv.ModRevision, kv.Lease, ContenderValue.Decode(kv.Value)));
        }

        list.Sort(static (a, b) => a.CreateRevision.CompareTo(b.CreateRevision));
        return list;
    }

    public static List<Contender> Contenders(RangeResponse range, ByteString contenders, LockKind kind) => Contenders(range.Kvs, contenders, kind);

    /// <summary>Who holds among the contenders, and how (exclusive, shared, or a semaphore slot).</summary>
    public static LockMode?[] Holders(IReadOnlyList<Contender> queue, LockKind kind, int maxCount)
    {
        var modes = new LockMode?[queue.Count];
        if (kind == LockKind.Semaphore)
        {
            for (var i = 0; i < queue.Count && i < maxCount; i++)
            {
                modes[i] = LockMode.Semaphore;
            }

            return modes;
        }

        for (var i = 0; i < queue.Count; i++)
        {
            modes[i] = queue[i].IsWriter ? (i == 0 ? LockMode.Exclusive : null) : ReaderHolds(queue, i) ? LockMode.Shared : null;
        }

        // An upgrade is granted when its reader is the only holder left.
        for (var i = 0; i < queue.Count; i++)
        {
            if (queue[i].Mode == ContenderMode.Upgrading && modes[i] is not null && modes.Count(m => m is not null) == 1)
            {
                modes[i] = LockMode.Exclusive;
            }
        }

        return modes;
    }

    /// <summary>Where the contender at <paramref name="index"/> stands.</summary>
    public static Standing Evaluate(IReadOnlyList<Contender> queue, int index, LockKind kind, int maxCount)
    {
        var contender = queue[index];
        if (kind == LockKind.Semaphore)
        {
            return new Standing(index < maxCount, null);
        }

        if (contender.IsWriter)
        {
            return index == 0 ? new Standing(true, null) : new Standing(false, queue[index - 1]);
        }

        if (contender.Mode == ContenderMode.Upgrading)
        {
            return new Standing(Holders(queue, kind, maxCount)[index] == LockMode.Exclusive, null);
        }

        return ReaderHolds(queue, index) ? new Standing(true, null) : new Standing(false, Blocker(queue, index));
    }

    private static bool ReaderHolds(IReadOnlyList<Contender> queue, int index) => Blocker(queue, index) is null;

    /// <summary>What keeps a reader out: the last writer before it, or an upgrade begun before it arrived.</summary>
    private static Contender? Blocker(IReadOnlyList<Contender> queue, int index)
    {
        var reader = queue[index];
        for (var i = index - 1; i >= 0; i--)
        {
            if (queue[i].IsWriter)
            {
                return queue[i];
            }
        }

        for (var i = 0; i < queue.Count; i++)
        {
            if (i != index && queue[i].Mode == ContenderMode.Upgrading && queue[i].ModRevision < reader.CreateRevision)
            {
                return queue[i];
            }
        }

        return null;
    }
}
