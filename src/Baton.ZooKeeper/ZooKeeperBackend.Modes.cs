using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Holds;
using Baton.ZooKeeper.Layout;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper;

/// <summary>
/// Changing the mode of a reader-writer hold. An upgrade is a writer node of the same owner as the reader node
/// (kazoo's readers behind it queue as behind any writer); it holds once nothing but its own reader node is before
/// it, and then takes the reader node's place. A downgrade keeps the writer node (its place) and marks it a reader.
/// </summary>
internal sealed partial class ZooKeeperBackend
{
    public async Task<AcquisitionStart> StartUpgradeAsync(ZooKeeperGrant grant, bool wait, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var session = grant.Session;
        var name = grant.Name;
        var data = new ContenderData(grant.Member, 1).Encode();
        var (node, token, queue) = await CallAsync(() => CreateUpgradeNodeAsync(grant, data), $"upgrade '{name.Name}'").ConfigureAwait(false);

        var ticket = new ZooKeeperUpgradeTicket(this, grant, node, token);
        var index = IndexOf(queue, node);
        var standing = index >= 0 ? LockQueue.Evaluate(queue, index) : default;
        if (standing.Deadlock)
        {
            await DeleteQuietlyAsync(session, name.Name, name.Contender(node)).ConfigureAwait(false);
            throw ZooKeeperUpgradeTicket.Deadlock(name.Name);
        }

        if (standing.Holds)
        {
            await CallAsync(() => FinishUpgradeAsync(grant, node, token), $"upgrade '{name.Name}'").ConfigureAwait(false);
            return AcquisitionStart.Granted(grant);
        }

        if (!wait || index < 0)
        {
            await DeleteQuietlyAsync(session, name.Name, name.Contender(node)).ConfigureAwait(false);
            return AcquisitionStart.Denied;
        }

        lock (_gate)
        {
            ThrowIfDisposedLocked();
            _tickets.Add(ticket);
        }

        ticket.Start();
        return AcquisitionStart.Queued(ticket);
    }

    /// <summary>
    /// Creates the upgrade's writer node, with the queue read behind it. A lost answer is recovered by looking for a
    /// writer node of the hold's owner other than its own node.
    /// </summary>
    private static async Task<(string Node, long Token, List<Contender> Queue)> CreateUpgradeNodeAsync(ZooKeeperGrant grant, byte[] data)
    {
        var session = grant.Session;
        var name = grant.Name;
        for (var attempt = 1; ; attempt++)
        {
            var created = session.CreateAsync(name.Contender(Contender.NewNode(grant.Owner, writer: true)), data, CreateMode.EphemeralSequential, CancellationToken.None);
            var children = session.GetChildrenAsync(name.Queue, null, CancellationToken.None);
            try
            {
                var result = await created.ConfigureAwait(false);
                return (result.Path[(name.Queue.Length + 1)..], result.Stat.Czxid, Contender.Parse((await children.ConfigureAwait(false)).Children));
            }
            catch (ZooKeeperException e) when (IsAnswerLost(session, e, attempt))
            {
                var current = grant.Node[(name.Queue.Length + 1)..];
                var queue = Contender.Parse((await RetryLostAsync(session, () => session.GetChildrenAsync(name.Queue, null, CancellationToken.None)).ConfigureAwait(false)).Children);
                if (queue.LastOrDefault(c => c.Owner == grant.Owner && c.IsWriterNode && c.Node != current) is { } applied)
                {
                    var stat = await RetryLostAsync(session, () => session.ExistsAsync(name.Contender(applied.Node), null, CancellationToken.None)).ConfigureAwait(false);
                    return (applied.Node, stat?.Czxid ?? 0, queue);
                }
            }
            finally
            {
                await ((Task)children).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// Grants an upgrade: the reader node (and a downgrade's mark) goes and the record takes the new token, in one
    /// transaction that fails, granting nothing, if the reader node was broken meanwhile.
    /// </summary>
    public static async Task FinishUpgradeAsync(ZooKeeperGrant grant, string node, long token)
    {
        var name = grant.Name;
        var readerNode = grant.SwitchToUpgradeNode(name.Contender(node));
        var ops = new List<ZooKeeperOp>();
        if (grant.Marker is { } marker)
        {
            ops.Add(new ZooKeeperOp.Delete(marker, -1));
        }

        ops.Add(new ZooKeeperOp.Delete(readerNode, -1));
        ops.Add(new ZooKeeperOp.SetData(name.Record(grant.Owner), new HoldRecord(HoldState.Holding, token, grant.Member).Encode(), -1));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grant.Session.MultiAsync(ops, CancellationToken.None).ConfigureAwait(false);
                break;
            }
            catch (ZooKeeperException e) when (IsAnswerLost(grant.Session, e, attempt))
            {
                // Applied if the reader node is gone (nothing else deletes it but a break, which would have failed the transaction).
                if (await RetryLostAsync(grant.Session, () => grant.Session.ExistsAsync(readerNode, null, CancellationToken.None)).ConfigureAwait(false) is null)
                {
                    break;
                }
            }
            catch (ZooKeeperException e)
            {
                grant.SwitchBack(readerNode, readerGone: e.Code == ZooKeeperErrorCode.NoNode);
                throw;
            }
        }

        grant.Upgraded(token);
    }

    /// <summary>Marks the hold's writer node a reader, and touches it so that readers watching it look again. Returns the mark.</summary>
    public async Task<string> DowngradeAsync(ZooKeeperGrant grant, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var marker = grant.Node + Contender.DowngradedSuffix;
        ZooKeeperOp[] ops =
        [
            new ZooKeeperOp.Create(marker, ReadOnlyMemory<byte>.Empty, CreateMode.Ephemeral),
            new ZooKeeperOp.SetData(grant.Node, new ContenderData(grant.Member, 1).Encode(), -1),
        ];
        await CallAsync(
            async () =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        return await grant.Session.MultiAsync(ops, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (ZooKeeperException e) when (IsAnswerLost(grant.Session, e, attempt))
                    {
                        // Applied if the mark exists (only this hold makes it).
                        if (await RetryLostAsync(grant.Session, () => grant.Session.ExistsAsync(marker, null, CancellationToken.None)).ConfigureAwait(false) is not null)
                        {
                            return [];
                        }
                    }
                }
            },
            $"downgrade '{grant.Name.Name}'").ConfigureAwait(false);
        return marker;
    }
}
