using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Introspection;
using Baton.ZooKeeper.Layout;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper;

/// <summary>
/// Breaking (DESIGN.md rule 13): each holder's node is deleted — its session sees the deletion and fires the lost
/// token — and its record says "broken", in one transaction per holder, so the next holder is told.
/// </summary>
internal sealed partial class ZooKeeperBackend
{
    public override async ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var prepared = new PreparedName(Layout, kind, name);
        var session = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        return await CallAsync(async () =>
        {
            await EnsureAsync(session, prepared.Records, CreateMode.Container, cancellationToken).ConfigureAwait(false);
            var now = Time.GetUtcNow();
            var broken = new List<LockHolder>();
            if (prepared.Leases is { } leases)
            {
                var nodes = (await ZooKeeperListing.ChildrenAsync(session, leases, cancellationToken).ConfigureAwait(false)).Select(static l => new Contender(l, l, false, 0, false)).ToArray();
                foreach (var view in (await ZooKeeperListing.ReadAsync(session, leases, nodes, cancellationToken).ConfigureAwait(false)).OfType<NodeView>())
                {
                    if (await BreakNodeAsync(session, prepared, view, view.Contender!.Owner, [view.Path], now).ConfigureAwait(false))
                    {
                        broken.Add(new LockHolder(view.Member, LockMode.Semaphore, view.Stat.Czxid, view.Since));
                    }
                }

                return broken;
            }

            var queue = Contender.Parse(await ZooKeeperListing.ChildrenAsync(session, prepared.Queue, cancellationToken).ConfigureAwait(false));
            var modes = LockQueue.Holders(queue, out _);
            var views = await ZooKeeperListing.ReadAsync(session, prepared.Queue, queue, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < queue.Count; i++)
            {
                if (modes[i] is not { } mode || views[i] is not { } view)
                {
                    continue;
                }

                // The holder's every node goes: a reader's pending upgrade, the reader node of a granted one, a downgrade's mark.
                var owner = queue[i].Owner;
                var paths = queue.Where(c => c.Owner == owner && owner.Length > 0 && c.Node != queue[i].Node).Select(c => prepared.Contender(c.Node)).Prepend(view.Path).ToList();
                if (queue[i].Downgraded)
                {
                    paths.Add(view.Path + Contender.DowngradedSuffix);
                }

                if (await BreakNodeAsync(session, prepared, view, owner, paths, now).ConfigureAwait(false))
                {
                    broken.Add(new LockHolder(view.Member, mode, view.Stat.Czxid, view.Since));
                }
            }

            return broken;
        }, $"break '{name}'").ConfigureAwait(false);
    }

    /// <summary>Deletes a holder's nodes and records the break; false when the holder was gone already.</summary>
    private static async Task<bool> BreakNodeAsync(ZooKeeperClient session, PreparedName name, NodeView view, string owner, List<string> paths, DateTimeOffset now)
    {
        var record = new HoldRecord(HoldState.Broken, view.Stat.Czxid, view.Data.Member ?? view.Member, now.UtcTicks).Encode();
        var recordPath = name.Record(owner);
        foreach (var recordOp in new ZooKeeperOp[] { new ZooKeeperOp.SetData(recordPath, record, -1), new ZooKeeperOp.Create(recordPath, record, CreateMode.Persistent) })
        {
            // The first node must be the holder's, unchanged; the others (upgrade, mark) only if still there.
            var ops = new List<ZooKeeperOp> { recordOp, new ZooKeeperOp.Delete(paths[0], view.Stat.Version) };
            try
            {
                await session.MultiAsync(ops, CancellationToken.None).ConfigureAwait(false);
                foreach (var other in paths.Skip(1))
                {
                    try
                    {
                        await session.DeleteAsync(other, -1, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
                    {
                    }
                }

                return true;
            }
            catch (ZooKeeperMultiException e) when (e.Results.Count > 0 && e.Results[0].Error == ZooKeeperErrorCode.NoNode && recordOp is ZooKeeperOp.SetData)
            {
                // No record (kazoo's holders have none): create one.
            }
            catch (ZooKeeperException e) when (e.Code is ZooKeeperErrorCode.NoNode or ZooKeeperErrorCode.BadVersion or ZooKeeperErrorCode.NodeExists)
            {
                return false;
            }
        }

        return false;
    }
}
