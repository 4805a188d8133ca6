using System.Globalization;
using System.Text;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Layout;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper.Introspection;

/// <summary>One node of a queue or a semaphore's leases, with what its data and stat say.</summary>
internal sealed record NodeView(Contender? Contender, string Path, ContenderData Data, ZooKeeperStat Stat)
{
    public MemberIdentity Member => Data.MemberOr(Stat.EphemeralOwner);

    public DateTimeOffset Since => DateTimeOffset.FromUnixTimeMilliseconds(Stat.Ctime);
}

/// <summary>
/// Builds the listing from the nodes under the prefix: each lock's and group's contenders (holders and waiters by
/// kazoo's rules, since when by their creation time, who by their data) and each semaphore's leases and queue.
/// </summary>
internal static class ZooKeeperListing
{
    public static async Task<IReadOnlyList<LockInfo>> ListAsync(ZooKeeperClient session, NodeLayout layout, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lockNodes = ChildrenAsync(session, layout.Locks, cancellationToken);
        var semaphoreNodes = ChildrenAsync(session, layout.Semaphores, cancellationToken);
        var groupNodes = ChildrenAsync(session, layout.Groups, cancellationToken);
        var locks = Names(await lockNodes.ConfigureAwait(false))
            .Select(p => LockAsync(session, layout.Locks + "/" + p.Node, p.Name, LockKind.Lock, now, cancellationToken));
        var semaphores = Names((await semaphoreNodes.ConfigureAwait(false)).Where(static n => !NodeLayout.IsSemaphoreLock(n)))
            .Select(p => SemaphoreAsync(session, layout.Semaphores + "/" + p.Node, p.Name, now, cancellationToken));
        var groups = Names(await groupNodes.ConfigureAwait(false))
            .Select(p => LockAsync(session, layout.Groups + "/" + p.Node, p.Name, LockKind.Group, now, cancellationToken));
        var infos = await Task.WhenAll(locks.Concat(semaphores).Concat(groups)).ConfigureAwait(false);
        return [.. infos.OfType<LockInfo>().OrderBy(static i => i.Name, StringComparer.Ordinal).ThenBy(static i => i.Kind)];
    }

    /// <summary>One name: its directory's children and their data, read in one pipelined burst.</summary>
    public static Task<LockInfo?> FindAsync(ZooKeeperClient session, NodeLayout layout, LockKind kind, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var node = NodeLayout.Escape(name);
        return kind switch
        {
            LockKind.Semaphore => SemaphoreAsync(session, layout.Semaphores + "/" + node, name, now, cancellationToken),
            LockKind.Group => LockAsync(session, layout.Groups + "/" + node, name, kind, now, cancellationToken),
            _ => LockAsync(session, layout.Locks + "/" + node, name, kind, now, cancellationToken),
        };
    }

    // Baton's own nodes start with '.', which escaped names never do; so do nodes of names it cannot read back.
    private static IEnumerable<(string Node, string Name)> Names(IEnumerable<string> nodes) =>
        nodes.Where(static n => n[0] != '.')
            .Select(static n => (Node: n, Name: NodeLayout.Unescape(n)))
            .Where(static p => p.Name is not null)
            .Select(static p => (p.Node, p.Name!));

    private static async Task<LockInfo?> LockAsync(ZooKeeperClient session, string path, string name, LockKind kind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queue = Contender.Parse(await ChildrenAsync(session, path, cancellationToken).ConfigureAwait(false));
        if (queue.Count == 0)
        {
            return null;
        }

        var views = await ReadAsync(session, path, queue, cancellationToken).ConfigureAwait(false);
        var modes = LockQueue.Holders(queue, out var hidden);
        var holders = new List<LockHolder>();
        var waiters = new List<LockWaiter>();
        for (var i = 0; i < queue.Count; i++)
        {
            if (views[i] is not { } view || hidden[i])
            {
                continue;
            }

            if (modes[i] is { } mode)
            {
                holders.Add(new LockHolder(view.Member, mode, view.Stat.Czxid, view.Since));
            }
            else
            {
                waiters.Add(new LockWaiter(view.Member, queue[i].IsWriter ? LockMode.Exclusive : LockMode.Shared, view.Since));
            }
        }

        return holders.Count + waiters.Count == 0 ? null : new LockInfo(name, kind, 1, holders, waiters, now);
    }

    private static async Task<LockInfo?> SemaphoreAsync(ZooKeeperClient session, string path, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queuePath = NodeLayout.SemaphoreLockOf(path);
        var leaseNodes = ChildrenAsync(session, path, cancellationToken);
        var queueNodes = ChildrenAsync(session, queuePath, cancellationToken);
        var countData = DataAsync(session, path, cancellationToken);
        var leases = await leaseNodes.ConfigureAwait(false);
        var queue = Contender.Parse(await queueNodes.ConfigureAwait(false));
        if (leases.Count + queue.Count == 0)
        {
            return null;
        }

        var leaseViews = ReadAsync(session, path, leases.Select(static l => new Contender(l, l, false, 0, false)).ToArray(), cancellationToken);
        var queueViews = ReadAsync(session, queuePath, queue, cancellationToken);
        var holders = (await leaseViews.ConfigureAwait(false)).OfType<NodeView>()
            .OrderBy(static v => v.Stat.Czxid)
            .Select(static v => new LockHolder(v.Member, LockMode.Semaphore, v.Stat.Czxid, v.Since))
            .ToList();
        var waiters = (await queueViews.ConfigureAwait(false)).OfType<NodeView>()
            .Select(static v => new LockWaiter(v.Member, LockMode.Semaphore, v.Since))
            .ToList();
        var data = await countData.ConfigureAwait(false);
        var maxCount = data is not null && int.TryParse(Encoding.UTF8.GetString(data), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : Math.Max(1, holders.Count);
        return holders.Count + waiters.Count == 0 ? null : new LockInfo(name, LockKind.Semaphore, maxCount, holders, waiters, now);
    }

    /// <summary>The data and stat of each node, in order; null where a node went meanwhile.</summary>
    public static async Task<NodeView?[]> ReadAsync(ZooKeeperClient session, string directory, IReadOnlyList<Contender> nodes, CancellationToken cancellationToken) =>
        await Task.WhenAll(nodes.Select(async contender =>
        {
            var path = directory + "/" + contender.Node;
            try
            {
                var result = await session.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false);
                return new NodeView(contender, path, ContenderData.Decode(result.Data), result.Stat);
            }
            catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
            {
                return null;
            }
        })).ConfigureAwait(false);

    /// <summary>A node's children; none when the node is absent.</summary>
    public static async Task<IReadOnlyList<string>> ChildrenAsync(ZooKeeperClient session, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await session.GetChildrenAsync(path, null, cancellationToken).ConfigureAwait(false)).Children;
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
        {
            return [];
        }
    }

    private static async Task<byte[]?> DataAsync(ZooKeeperClient session, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await session.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false)).Data;
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
        {
            return null;
        }
    }
}
