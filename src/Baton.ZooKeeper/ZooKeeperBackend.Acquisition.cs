using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Holds;
using Baton.ZooKeeper.Layout;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper;

/// <summary>Acquiring: the contender node with its hold record, the queue, the grant.</summary>
internal sealed partial class ZooKeeperBackend
{
    public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var name = request.PreparedName as PreparedName ?? new PreparedName(Layout, request.Kind, request.Name);
        var session = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        await CallAsync(() => EnsureNameAsync(session, name, request.MaxCount, again: false, cancellationToken), $"prepare '{name.Name}'").ConfigureAwait(false);

        // From here no request is cancelled in flight: a node created by a request seen as cancelled would stay queued
        // until the session ends. The session timeout bounds every call; the core undoes a start that finishes late.
        cancellationToken.ThrowIfCancellationRequested();
        Joined joined;
        try
        {
            joined = await CallAsync(() => JoinAsync(session, name, request), $"queue for '{name.Name}'").ConfigureAwait(false);
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
        {
            // A directory was removed as an empty container since this session made it: make it again, once.
            await CallAsync(() => EnsureNameAsync(session, name, request.MaxCount, again: true, CancellationToken.None), $"prepare '{name.Name}'").ConfigureAwait(false);
            joined = await CallAsync(() => JoinAsync(session, name, request), $"queue for '{name.Name}'").ConfigureAwait(false);
        }

        return await CallAsync(() => DecideAsync(session, name, request, joined), $"queue for '{name.Name}'").ConfigureAwait(false);
    }

    /// <summary>What joining the queue returned: my node, the queue and what else was read with it.</summary>
    private sealed record Joined(string Owner, string Node, IReadOnlyList<Contender> Queue, long RecordToken, IReadOnlyList<string> Records, IReadOnlyList<string>? Leases);

    /// <summary>
    /// One write (my contender node, and for a lock its hold record, in one transaction) and the reads that decide it,
    /// pipelined behind it: the server answers a session's requests in order, so they see the write. When the answer
    /// is lost with the connection (a server restart, a leader election), the node is looked for by its owner's uuid
    /// once the session reconnects, and the write is sent again only if it was not applied.
    /// </summary>
    private static async Task<Joined> JoinAsync(ZooKeeperClient session, PreparedName name, AcquisitionRequest request)
    {
        var owner = Guid.NewGuid().ToString("N");
        var writer = request.Kind == LockKind.Semaphore || request.Mode == LockMode.Exclusive;
        var data = new ContenderData(request.Member, request.MaxCount).Encode();
        var ops = new List<ZooKeeperOp> { new ZooKeeperOp.Create(name.Contender(Contender.NewNode(owner, writer)), data, CreateMode.EphemeralSequential) };
        if (name.Leases is null)
        {
            ops.Add(new ZooKeeperOp.Create(name.Record(owner), new HoldRecord(HoldState.Holding, 0, request.Member).Encode(), CreateMode.Persistent));
        }

        string? node = null;
        for (var attempt = 1; ; attempt++)
        {
            var write = node is null ? session.MultiAsync(ops, CancellationToken.None) : null;
            var reads = JoinReads.Send(session, name, owner);
            try
            {
                if (write is not null)
                {
                    node = (await write.ConfigureAwait(false))[0].CreatedPath![(name.Queue.Length + 1)..];
                }

                return await reads.ReceiveAsync(owner, node!).ConfigureAwait(false);
            }
            catch (ZooKeeperException e) when (IsAnswerLost(session, e, attempt))
            {
                await reads.Settled.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                node ??= await FindOwnAsync(session, name, owner).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The reads that decide a request, records before the queue: a record whose contender is missing from the later read is truly gone.</summary>
    private sealed record JoinReads(Task<ChildrenResult>? Records, Task<ChildrenResult> Queue, Task<ZooKeeperStat?>? RecordStat, Task<ChildrenResult>? Leases)
    {
        public static JoinReads Send(ZooKeeperClient session, PreparedName name, string owner)
        {
            var none = CancellationToken.None;
            var records = name.Leases is null ? session.GetChildrenAsync(name.Records, null, none) : null;
            var queue = session.GetChildrenAsync(name.Queue, null, none);
            var recordStat = name.Leases is null ? session.ExistsAsync(name.Record(owner), null, none) : null;
            var leases = name.Leases is { } path ? session.GetChildrenAsync(path, null, none) : null;
            return new JoinReads(records, queue, recordStat, leases);
        }

        public Task Settled => Task.WhenAll(new Task?[] { Records, Queue, RecordStat, Leases }.OfType<Task>());

        public async Task<Joined> ReceiveAsync(string owner, string node)
        {
            try
            {
                return new Joined(
                    owner,
                    node,
                    Contender.Parse((await Queue.ConfigureAwait(false)).Children),
                    RecordStat is null ? 0 : (await RecordStat.ConfigureAwait(false))?.Czxid ?? 0,
                    Records is null ? [] : (await Records.ConfigureAwait(false)).Children,
                    Leases is null ? null : (await Leases.ConfigureAwait(false)).Children);
            }
            finally
            {
                await Settled.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>The node of <paramref name="owner"/> in the name's queue, or null when there is none (a create that was not applied).</summary>
    public static async Task<string?> FindOwnAsync(ZooKeeperClient session, PreparedName name, string owner, bool writerOnly = false)
    {
        var children = await RetryLostAsync(session, () => session.GetChildrenAsync(name.Queue, null, CancellationToken.None)).ConfigureAwait(false);
        return Contender.Parse(children.Children).LastOrDefault(c => c.Owner == owner && (!writerOnly || c.IsWriterNode))?.Node;
    }

    private async Task<AcquisitionStart> DecideAsync(ZooKeeperClient session, PreparedName name, AcquisitionRequest request, Joined joined)
    {
        var index = IndexOf(joined.Queue, joined.Node);
        if (index < 0)
        {
            throw new BackendUnavailableException($"ZooKeeper at {DisplayUrl} lost the node of a request for '{name.Name}' as it was written (its session expired?).");
        }

        var nodePath = name.Contender(joined.Node);
        var standing = LockQueue.Evaluate(joined.Queue, index);
        if (name.Kind == LockKind.Semaphore)
        {
            if (standing.Holds)
            {
                if (await TryLeaseAsync(session, name, request, joined.Owner, nodePath, joined.Leases!, CancellationToken.None).ConfigureAwait(false) is { } lease)
                {
                    return AcquisitionStart.Granted(lease);
                }
            }
        }
        else if (standing.Holds)
        {
            var live = joined.Queue.Select(static c => c.Owner).ToHashSet(StringComparer.Ordinal);
            var takeover = await Takeovers.FindAsync(this, session, name.Records, joined.Records, live, Time.GetUtcNow()).ConfigureAwait(false);
            var grant = new ZooKeeperGrant(this, session, name, joined.Owner, nodePath, request.Mode, joined.RecordToken, takeover, request.Member);
            return AcquisitionStart.Granted(await RegisterAsync(grant).ConfigureAwait(false));
        }

        if (!request.Wait)
        {
            await DeleteQuietlyAsync(session, name.Name, name.Leases is null ? [nodePath, name.Record(joined.Owner)] : [nodePath]).ConfigureAwait(false);
            return AcquisitionStart.Denied;
        }

        if (name.Leases is null)
        {
            // Queued, not holding: should this process die now, its record must not read as a crashed holder.
            var waiting = new HoldRecord(HoldState.Waiting, 0, request.Member).Encode();
            await RetryLostAsync(session, () => session.SetDataAsync(name.Record(joined.Owner), waiting, -1, CancellationToken.None)).ConfigureAwait(false);
        }

        var ticket = new ZooKeeperAcquireTicket(this, session, name, joined.Owner, joined.Node, joined.RecordToken, request);
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            _tickets.Add(ticket);
        }

        ticket.Start();
        return AcquisitionStart.Queued(ticket);
    }

    public static int IndexOf(IReadOnlyList<Contender> queue, string node)
    {
        for (var i = 0; i < queue.Count; i++)
        {
            if (queue[i].Node == node)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Marks a waiting lock request's record "holding" (with the token it was made with) and reads the records and then
    /// the queue, for the takeover notice, in one round trip; <see cref="CompleteGrantAsync"/> makes the grant.
    /// Sent before the request is known to hold (after its predecessor went), it is undone by <see cref="UnmarkAsync"/>.
    /// </summary>
    public static GrantMark StartGrantMark(ZooKeeperClient session, PreparedName name, string owner, long token, MemberIdentity member)
    {
        // The records before the queue: a record whose contender is missing from the later read is truly gone.
        var marked = session.SetDataAsync(name.Record(owner), new HoldRecord(HoldState.Holding, token, member).Encode(), -1, CancellationToken.None);
        var records = session.GetChildrenAsync(name.Records, null, CancellationToken.None);
        var queue = session.GetChildrenAsync(name.Queue, null, CancellationToken.None);
        return new GrantMark(marked, records, queue);
    }

    /// <summary>The requests <see cref="StartGrantMark"/> sent.</summary>
    public sealed record GrantMark(Task<ZooKeeperStat> Marked, Task<ChildrenResult> Records, Task<ChildrenResult> Queue)
    {
        public Task Settled => Task.WhenAll(Marked, Records, Queue);
    }

    /// <summary>Makes the grant of a waiting lock request whose record <paramref name="mark"/> marked "holding".</summary>
    public async Task<ZooKeeperGrant> CompleteGrantAsync(ZooKeeperClient session, PreparedName name, string owner, string node, long token, AcquisitionRequest request, GrantMark mark)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await mark.Marked.ConfigureAwait(false);
                await mark.Settled.ConfigureAwait(false);
                break;
            }
            catch (ZooKeeperException e) when (IsAnswerLost(session, e, attempt))
            {
                // The mark rewrites the same data: sending it again is safe.
                await mark.Settled.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                mark = StartGrantMark(session, name, owner, token, request.Member);
            }
            finally
            {
                await mark.Settled.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        var live = Contender.Parse((await mark.Queue.ConfigureAwait(false)).Children).Select(static c => c.Owner).ToHashSet(StringComparer.Ordinal);
        var takeover = await Takeovers.FindAsync(this, session, name.Records, (await mark.Records.ConfigureAwait(false)).Children, live, Time.GetUtcNow()).ConfigureAwait(false);
        var grant = new ZooKeeperGrant(this, session, name, owner, name.Contender(node), request.Mode, token, takeover, request.Member);
        return await RegisterAsync(grant).ConfigureAwait(false);
    }

    /// <summary>Undoes a mark sent before the request turned out not to hold: its record says "waiting" again.</summary>
    public static async Task UnmarkAsync(ZooKeeperClient session, PreparedName name, string owner, MemberIdentity member, GrantMark mark)
    {
        await mark.Settled.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (mark.Marked.IsCompletedSuccessfully)
        {
            await session.SetDataAsync(name.Record(owner), new HoldRecord(HoldState.Waiting, 0, member).Encode(), -1, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The holder of a semaphore's lock takes a lease when fewer than its count are out (kazoo's semaphore): the lease,
    /// its record and the end of its place in the lock, in one transaction. Null when none is free.
    /// </summary>
    public async Task<ZooKeeperGrant?> TryLeaseAsync(ZooKeeperClient session, PreparedName name, AcquisitionRequest request, string owner, string lockNode, IReadOnlyList<string> leases, CancellationToken cancellationToken)
    {
        if (leases.Count >= request.MaxCount)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var leasePath = name.Lease(owner);
        ZooKeeperOp[] ops =
        [
            new ZooKeeperOp.Create(leasePath, new ContenderData(request.Member, request.MaxCount).Encode(), CreateMode.Ephemeral),
            new ZooKeeperOp.Create(name.Record(owner), new HoldRecord(HoldState.Holding, 0, request.Member).Encode(), CreateMode.Persistent),
            new ZooKeeperOp.Delete(lockNode, -1),
        ];
        var applied = false;
        Task<ZooKeeperStat?> leaseStat;
        Task<ChildrenResult> records, current;
        for (var attempt = 1; ; attempt++)
        {
            var write = applied ? null : session.MultiAsync(ops, CancellationToken.None);
            leaseStat = session.ExistsAsync(leasePath, null, CancellationToken.None);
            records = session.GetChildrenAsync(name.Records, null, CancellationToken.None);
            current = session.GetChildrenAsync(name.Leases!, null, CancellationToken.None);
            try
            {
                if (write is not null)
                {
                    await write.ConfigureAwait(false);
                }

                await Task.WhenAll(leaseStat, records, current).ConfigureAwait(false);
                break;
            }
            catch (ZooKeeperException e) when (IsAnswerLost(session, e, attempt))
            {
                // Applied or not: the lease node says (it is created by nothing else).
                await Task.WhenAll(leaseStat, records, current).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                applied = applied || await RetryLostAsync(session, () => session.ExistsAsync(leasePath, null, CancellationToken.None)).ConfigureAwait(false) is not null;
            }
            finally
            {
                await Task.WhenAll(leaseStat, records, current).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        var token = (await leaseStat.ConfigureAwait(false))?.Czxid
            ?? throw new BackendUnavailableException($"ZooKeeper at {DisplayUrl} lost the lease of '{name.Name}' as it was written (its session expired?).");
        var live = (await current.ConfigureAwait(false)).Children.ToHashSet(StringComparer.Ordinal);
        var takeover = await Takeovers.FindAsync(this, session, name.Records, (await records.ConfigureAwait(false)).Children, live, Time.GetUtcNow()).ConfigureAwait(false);
        var grant = new ZooKeeperGrant(this, session, name, owner, leasePath, LockMode.Semaphore, token, takeover, request.Member);
        return await RegisterAsync(grant).ConfigureAwait(false);
    }

    private async Task<ZooKeeperGrant> RegisterAsync(ZooKeeperGrant grant)
    {
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            if (!disposed)
            {
                _grants.Add(grant);
            }
        }

        if (disposed)
        {
            // Nobody will ever receive this hold: it ends cleanly, not as an abandonment.
            await grant.ReleaseAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(Coordinator));
        }

        grant.Watch();
        return grant;
    }

    /// <summary>Removes dead hold records, each only if unchanged since it was read (another holder may have cleaned it first).</summary>
    public async Task DeleteRecordsAsync(ZooKeeperClient session, IReadOnlyList<ZooKeeperOp> deletes)
    {
        foreach (var delete in deletes)
        {
            try
            {
                await session.MultiAsync([delete], CancellationToken.None).ConfigureAwait(false);
            }
            catch (ZooKeeperException e) when (e.Code is ZooKeeperErrorCode.NoNode or ZooKeeperErrorCode.BadVersion)
            {
            }
            catch (ZooKeeperException e)
            {
                Log.CleanupFailed(_logger, e);
                return;
            }
        }
    }
}
