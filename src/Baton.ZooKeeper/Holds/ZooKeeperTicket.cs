using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper.Holds;

/// <summary>
/// A queued request: its node is in the queue; it watches the one node whose deletion can let it in (kazoo's
/// predecessor), and reads the queue again at each event. It claims the grant just before the write that makes it
/// (<see cref="WatchingTicket"/>), so a withdrawal and a grant never both win.
/// </summary>
internal abstract class ZooKeeperTicket : WatchingTicket
{
    protected ZooKeeperTicket(ZooKeeperBackend backend, ZooKeeperClient session, PreparedName name, string node)
    {
        Backend = backend;
        Session = session;
        Name = name;
        Node = node;
    }

    protected ZooKeeperBackend Backend { get; }

    protected ZooKeeperClient Session { get; }

    public PreparedName Name { get; }

    /// <summary>The name of the node that queues.</summary>
    protected string Node { get; }

    public void Start() => StartLoop(RunAsync);

    /// <summary>
    /// The contender may hold by the queue's rules (or waits in a deadlock): makes the grant, calling
    /// <see cref="WatchingTicket.TryClaim"/> just before the write that makes it, and returns it; null when it must wait after all, or the
    /// claim failed (withdrawn).
    /// </summary>
    protected abstract Task<LockGrant?> TryGrantAsync(IReadOnlyList<Contender> queue, int index, Standing standing, CancellationToken cancellationToken);

    /// <summary>
    /// The queue as it stands now (after a change it watched for), or, where one round trip can decide it, the grant
    /// already made. <paramref name="predecessorGone"/>: the node it watched was deleted. Default: reads the queue.
    /// </summary>
    protected virtual async Task<(LockGrant? Grant, IReadOnlyList<string> Queue)> RefreshAsync(bool predecessorGone, CancellationToken cancellationToken) =>
        (null, (await Session.GetChildrenAsync(Name.Queue, null, cancellationToken).ConfigureAwait(false)).Children);

    /// <summary>Undoing failed with the session (or the coordinator): the server removes the node with the session anyway.</summary>
    protected override bool UndoMayFail(Exception failure) => failure is ZooKeeperException or BackendUnavailableException or ObjectDisposedException;

    /// <summary>One look at the queue: the grant when it was made, or the node to wait for (null: look again at once).</summary>
    private async Task<(LockGrant? Grant, Contender? WaitFor)> StepAsync(bool predecessorGone, CancellationToken token)
    {
        var (early, children) = await RefreshAsync(predecessorGone, token).ConfigureAwait(false);
        if (early is not null)
        {
            return (early, null);
        }

        var queue = Contender.Parse(children);
        var index = ZooKeeperBackend.IndexOf(queue, Node);
        if (index < 0)
        {
            throw new BackendUnavailableException(
                $"The wait for '{Name.Name}' on {Backend.DisplayUrl} ended: its node was deleted (its session expired, or an operator removed it).");
        }

        var standing = LockQueue.Evaluate(queue, index);
        var grant = standing.Holds || standing.Deadlock ? await TryGrantAsync(queue, index, standing, token).ConfigureAwait(false) : null;
        return (grant, grant is null ? standing.WaitFor : null);
    }

    private async Task RunAsync()
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stopping, Session.SessionLost);
        var token = linked.Token;
        try
        {
            var predecessorGone = false;
            var lostAnswers = 0;
            while (true)
            {
                try
                {
                    var (grant, waitFor) = await StepAsync(predecessorGone, token).ConfigureAwait(false);
                    lostAnswers = 0;
                    if (grant is not null)
                    {
                        Complete(grant);
                        return;
                    }

                    if (IsWithdrawn)
                    {
                        return;
                    }

                    predecessorGone = false;
                    if (waitFor is not null)
                    {
                        var changed = new TaskCompletionSource<WatchedEventType>(TaskCreationOptions.RunContinuationsAsynchronously);
                        var stat = await Session.ExistsAsync(Name.Contender(waitFor.Node), e => changed.TrySetResult(e.Type), token).ConfigureAwait(false);
                        predecessorGone = stat is null || await changed.Task.WaitAsync(token).ConfigureAwait(false) == WatchedEventType.NodeDeleted;
                    }
                }
                catch (ZooKeeperException e) when (!IsClaimed && ZooKeeperBackend.IsAnswerLost(Session, e, ++lostAnswers))
                {
                    // The connection dropped (a server restart, a leader election): once the session reconnects, look again.
                    predecessorGone = false;
                }
            }
        }
        catch (Exception e)
        {
            // Failed on its own (session lost, server unreachable), or after its claim: nobody withdraws it, so it is undone here.
            if (Session.SessionLost.IsCancellationRequested && e is OperationCanceledException)
            {
                e = new BackendUnavailableException($"The wait for '{Name.Name}' on {Backend.DisplayUrl} ended: the coordinator's ZooKeeper session was lost.");
            }
            else if (e is ZooKeeperException zookeeper)
            {
                e = new BackendUnavailableException($"The wait for '{Name.Name}' on {Backend.DisplayUrl} failed: {zookeeper.Code}.", zookeeper);
            }

            await FailAsync(e, afterClaim: IsClaimed).ConfigureAwait(false);
        }
    }
}

/// <summary>A queued acquisition: of a lock, or of a semaphore's lock and then a lease.</summary>
internal sealed class ZooKeeperAcquireTicket(ZooKeeperBackend backend, ZooKeeperClient session, PreparedName name, string owner, string node, long token, AcquisitionRequest request)
    : ZooKeeperTicket(backend, session, name, node)
{
    protected override async Task<LockGrant?> TryGrantAsync(IReadOnlyList<Contender> queue, int index, Standing standing, CancellationToken cancellationToken)
    {
        if (Name.Leases is null)
        {
            return TryClaim()
                ? await Backend.CompleteGrantAsync(Session, Name, owner, Node, token, request, ZooKeeperBackend.StartGrantMark(Session, Name, owner, token, request.Member)).ConfigureAwait(false)
                : null;
        }

        // Holding the semaphore's lock: wait there for a lease (kazoo's semaphore), so later arrivals stay behind.
        while (true)
        {
            var freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var leases = await Session.GetChildrenAsync(Name.Leases, _ => freed.TrySetResult(), cancellationToken).ConfigureAwait(false);
            if (leases.Children.Count < request.MaxCount)
            {
                return TryClaim()
                    ? await Backend.TryLeaseAsync(Session, Name, request, owner, Name.Contender(Node), leases.Children, CancellationToken.None).ConfigureAwait(false)
                        ?? throw new InvalidOperationException("A lease was free and then not.")
                    : null;
            }

            await freed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A lock request whose predecessor went most likely holds now: the queue is read and the record marked
    /// "holding" in one round trip, the mark undone in the rare case it does not (a waiter before it gave up).
    /// </summary>
    protected override async Task<(LockGrant? Grant, IReadOnlyList<string> Queue)> RefreshAsync(bool predecessorGone, CancellationToken cancellationToken)
    {
        if (!predecessorGone || Name.Leases is not null)
        {
            return await base.RefreshAsync(predecessorGone, cancellationToken).ConfigureAwait(false);
        }

        var queueRead = Session.GetChildrenAsync(Name.Queue, null, cancellationToken);
        var mark = ZooKeeperBackend.StartGrantMark(Session, Name, owner, token, request.Member);
        IReadOnlyList<string> children;
        try
        {
            children = (await queueRead.ConfigureAwait(false)).Children;
        }
        catch
        {
            await ZooKeeperBackend.UnmarkAsync(Session, Name, owner, request.Member, mark).ConfigureAwait(false);
            throw;
        }

        var queue = Contender.Parse(children);
        var index = ZooKeeperBackend.IndexOf(queue, Node);
        if (index >= 0 && LockQueue.Evaluate(queue, index).Holds && TryClaim())
        {
            return (await Backend.CompleteGrantAsync(Session, Name, owner, Node, token, request, mark).ConfigureAwait(false), children);
        }

        await ZooKeeperBackend.UnmarkAsync(Session, Name, owner, request.Member, mark).ConfigureAwait(false);
        return (null, children);
    }

    protected override Task UndoAsync() =>
        Backend.DeleteQuietlyAsync(Session, Name.Name, Name.Leases is null ? [Name.Contender(Node), Name.Record(owner)] : [Name.Contender(Node)]);

    protected override void OnFinished() => Backend.Forget(this);
}

/// <summary>A queued upgrade: the hold's writer node waits until only its own reader node is before it.</summary>
internal sealed class ZooKeeperUpgradeTicket(ZooKeeperBackend backend, ZooKeeperGrant grant, string node, long token)
    : ZooKeeperTicket(backend, grant.Session, grant.Name, node)
{
    public static DeadlockException Deadlock(string name) => new(
        $"Two holders of the read lock '{name}' are upgrading at once; each waits for the other's read lock. This upgrade is refused; the read lock is still held.");

    protected override async Task<LockGrant?> TryGrantAsync(IReadOnlyList<Contender> queue, int index, Standing standing, CancellationToken cancellationToken)
    {
        if (LockQueue.UpgradedReader(queue, index) < 0)
        {
            throw new BackendUnavailableException($"The upgrade of '{Name.Name}' on {Backend.DisplayUrl} ended: the read hold it upgrades was broken.");
        }

        if (standing.Deadlock)
        {
            throw Deadlock(Name.Name);
        }

        if (!TryClaim())
        {
            return null;
        }

        await ZooKeeperBackend.FinishUpgradeAsync(grant, Node, token).ConfigureAwait(false);
        return grant;
    }

    protected override Task UndoAsync() => Backend.DeleteQuietlyAsync(Session, Name.Name, Name.Contender(Node));

    protected override void OnFinished() => Backend.Forget(this);
}
