using Baton.Backends;
using Baton.Etcd.Connection;
using Baton.Etcd.Keys;
using Baton.Etcd.Queue;
using Google.Protobuf;

namespace Baton.Etcd.Holds;

/// <summary>
/// A queued request: its contender key is in etcd; it watches the one key whose change can let it in (the key just
/// before it, or the writer it waits behind), or the whole name for upgrades and semaphores, and reads the queue
/// again at each event. Withdrawal and the grant are decided by one compare-and-swap (<see cref="WatchingTicket"/>).
/// </summary>
internal abstract class EtcdTicket : WatchingTicket
{
    protected EtcdTicket(EtcdBackend backend, LeaseSession session, PreparedName name, ByteString key, long createRevision, int maxCount)
    {
        Backend = backend;
        Session = session;
        Name = name;
        Key = key;
        CreateRevision = createRevision;
        MaxCount = maxCount;
    }

    protected EtcdBackend Backend { get; }

    protected LeaseSession Session { get; }

    public PreparedName Name { get; }

    protected ByteString Key { get; }

    protected long CreateRevision { get; }

    protected int MaxCount { get; }

    public void Start(IReadOnlyList<Contender> queue, long revision) => StartLoop(() => RunAsync(queue, revision));

    /// <summary>Whether the contender may hold now; if so, makes the grant (written to etcd) and returns it.</summary>
    protected abstract Task<LockGrant?> TryGrantAsync(IReadOnlyList<Contender> queue, int index, long revision, CancellationToken cancellationToken);

    /// <summary>
    /// After a change it watched for: the queue as it stands now, or, where one round trip can decide it, the
    /// grant already made. Default: reads the queue.
    /// </summary>
    protected virtual async Task<(LockGrant? Grant, IReadOnlyList<Contender> Queue, long Revision)> RefreshAsync(CancellationToken cancellationToken)
    {
        var (queue, revision) = await Backend.ReadQueueAsync(Name, cancellationToken).ConfigureAwait(false);
        return (null, queue, revision);
    }

    /// <summary>Gives a grant made after a withdrawal straight back.</summary>
    protected abstract Task ReturnAsync(LockGrant grant);

    /// <summary>Runs once the grant won over any withdrawal, before the acquirer sees it.</summary>
    protected virtual void OnGranted(LockGrant grant)
    {
    }

    private async Task RunAsync(IReadOnlyList<Contender> queue, long revision)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stopping, Session.Lost);
        var token = linked.Token;
        try
        {
            LockGrant? grant = null;
            while (true)
            {
                var index = -1;
                if (grant is null)
                {
                    index = IndexOf(queue);
                    if (index < 0)
                    {
                        throw new BackendUnavailableException(
                            $"The wait for '{Name.Name}' on {Backend.DisplayUrl} ended: its key was deleted (its lease expired, or an operator removed it).");
                    }

                    grant = await TryGrantAsync(queue, index, revision, token).ConfigureAwait(false);
                }

                if (grant is not null)
                {
                    if (TryClaim())
                    {
                        OnGranted(grant);
                        Complete(grant);
                    }
                    else
                    {
                        await ReturnAsync(grant).ConfigureAwait(false);
                    }

                    return;
                }

                // Watched from now, not from the revision read: etcd delivers to a watch that starts in the past only
                // at its 100 ms background sync, which would cost a busy queue up to 100 ms per handover. A change
                // between the read and the watch's creation shows as a newer creation revision: read again then.
                var standing = QueueRules.Evaluate(queue, index, Name.Kind, MaxCount);
                var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var watch = standing.WaitsForAny
                    ? await Backend.Hub.WatchAsync(Name.Contenders, Name.ContendersEnd, 0, _ => changed.TrySetResult(), () => changed.TrySetResult(), token).ConfigureAwait(false)
                    : await Backend.Hub.WatchAsync(standing.WaitFor!.Key, null, 0, _ => changed.TrySetResult(), () => changed.TrySetResult(), token).ConfigureAwait(false);
                await using (watch.ConfigureAwait(false))
                {
                    var createdAt = await watch.Created.WaitAsync(token).ConfigureAwait(false);
                    if (createdAt <= revision)
                    {
                        await changed.Task.WaitAsync(token).ConfigureAwait(false);
                    }
                }

                (grant, queue, revision) = await RefreshAsync(token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Failed on its own (lease lost, etcd unreachable): nobody withdraws it, so it is undone here.
            if (Session.IsLost && e is OperationCanceledException)
            {
                e = new BackendUnavailableException($"The wait for '{Name.Name}' on {Backend.DisplayUrl} ended: the coordinator's etcd lease was lost.");
            }

            await FailAsync(e, afterClaim: false).ConfigureAwait(false);
        }
    }

    private int IndexOf(IReadOnlyList<Contender> queue)
    {
        for (var i = 0; i < queue.Count; i++)
        {
            if (queue[i].Key == Key && queue[i].CreateRevision == CreateRevision)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A queued acquisition of a contender key.</summary>
internal sealed class EtcdAcquireTicket(EtcdBackend backend, LeaseSession session, SuffixClaim claim, ByteString key, long createRevision, AcquisitionRequest request)
    : EtcdTicket(backend, session, claim.Name, key, createRevision, request.MaxCount)
{
    protected override async Task<LockGrant?> TryGrantAsync(IReadOnlyList<Contender> queue, int index, long revision, CancellationToken cancellationToken)
    {
        EtcdBackend.CheckCount(queue, Name, MaxCount);
        if (!QueueRules.Evaluate(queue, index, Name.Kind, MaxCount).Holds)
        {
            return null;
        }

        return await Backend.FinishGrantAsync(Session, claim, Key, CreateRevision, request, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ReturnAsync(LockGrant grant) => await grant.ReleaseAsync().ConfigureAwait(false);

    /// <summary>
    /// A writer whose predecessor went holds if nothing older is left: one transaction asks exactly that and, if
    /// so, makes the grant, so a handoff costs one round trip after the watch event, not two.
    /// </summary>
    protected override async Task<(LockGrant? Grant, IReadOnlyList<Contender> Queue, long Revision)> RefreshAsync(CancellationToken cancellationToken)
    {
        if (Name.Kind != LockKind.Lock || request.Mode != LockMode.Exclusive)
        {
            return await base.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        return await Backend.TryHoldFirstAsync(Session, claim, Key, CreateRevision, request, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task UndoAsync()
    {
        try
        {
            await Backend.DeleteContenderAsync(Key, CreateRevision).ConfigureAwait(false);
        }
        finally
        {
            // After the delete: a new request reusing the suffix must not put its key before it.
            claim.Dispose();
        }
    }

    protected override void OnFinished() => Backend.Forget(this);
}

/// <summary>A queued upgrade: the reader's key, marked upgrading, waits to be the only holder.</summary>
internal sealed class EtcdUpgradeTicket(EtcdBackend backend, EtcdGrant grant, long upgradeRevision)
    : EtcdTicket(backend, grant.Session, grant.Name, grant.Key, grant.CreateRevision, 1)
{
    protected override async Task<LockGrant?> TryGrantAsync(IReadOnlyList<Contender> queue, int index, long revision, CancellationToken cancellationToken)
    {
        if (QueueRules.Holders(queue, Name.Kind, 1)[index] != LockMode.Exclusive)
        {
            return null;
        }

        await Backend.RecordUpgradeAsync(grant, upgradeRevision, cancellationToken).ConfigureAwait(false);
        return grant;
    }

    protected override void OnGranted(LockGrant granted) => grant.Upgraded(upgradeRevision);

    // Until OnGranted, the grant is still the shared hold with its own token: undoing the mark keeps exactly that.
    protected override Task UndoAsync() => Backend.SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None);

    protected override Task ReturnAsync(LockGrant granted) => UndoAsync();

    protected override void OnFinished() => Backend.Forget(this);
}
