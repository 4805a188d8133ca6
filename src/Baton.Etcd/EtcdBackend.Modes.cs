using Baton.Backends;
using Baton.Etcd.Holds;
using Baton.Etcd.Keys;
using Baton.Etcd.Queue;
using Etcdserverpb;
using Google.Protobuf;

namespace Baton.Etcd;

/// <summary>Upgrade, downgrade and the re-check of a held key.</summary>
internal sealed partial class EtcdBackend
{
    public async ValueTask<AcquisitionStart> StartUpgradeAsync(EtcdGrant grant, bool wait, CancellationToken cancellationToken)
    {
        var name = grant.Name;
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(grant.Key, grant.CreateRevision));
        txn.Success.Add(Ops.Put(grant.Key, grant.Value(ContenderMode.Upgrading, 0).Encode(), grant.Session.LeaseId));
        txn.Success.Add(Ops.Range(name.Contenders, name.ContendersEnd));

        // Writes are never cancelled in flight (their outcome must be known to be undone): the caller's token is
        // checked before and after.
        cancellationToken.ThrowIfCancellationRequested();
        var response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new BackendUnavailableException($"The read lock on '{name.Name}' on {DisplayUrl} is no longer held (its key is gone), so it cannot be upgraded.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            await SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var upgradeRevision = response.Header.Revision;
        var queue = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
        if (queue.Any(c => c.Mode == ContenderMode.Upgrading && c.ModRevision < upgradeRevision && c.Key != grant.Key))
        {
            await SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None).ConfigureAwait(false);
            throw new DeadlockException(
                $"Two readers of '{name.Name}' tried to upgrade at once; each would wait for the other to leave. Release the read lock and take the write lock instead, or let one reader upgrade at a time.");
        }

        var index = queue.FindIndex(c => c.Key == grant.Key);
        if (index >= 0 && QueueRules.Holders(queue, name.Kind, 1)[index] == LockMode.Exclusive)
        {
            await RecordUpgradeAsync(grant, upgradeRevision, cancellationToken).ConfigureAwait(false);
            grant.Upgraded(upgradeRevision);
            return AcquisitionStart.Granted(grant);
        }

        if (!wait)
        {
            await SetModeAsync(grant, ContenderMode.Shared, grant.FencingToken, CancellationToken.None).ConfigureAwait(false);
            return AcquisitionStart.Denied;
        }

        var ticket = new EtcdUpgradeTicket(this, grant, upgradeRevision);
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            _tickets.Add(ticket);
        }

        ticket.Start(queue, upgradeRevision);
        return AcquisitionStart.Queued(ticket);
    }

    /// <summary>Writes the upgraded token into the hold record, so a takeover after a crash names it.</summary>
    public async Task RecordUpgradeAsync(EtcdGrant grant, long token, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(grant.Key, grant.CreateRevision));
        txn.Success.Add(Ops.Put(grant.Record, new HoldRecord(HoldState.Holding, grant.CreateRevision, token, grant.Member).Encode()));
        cancellationToken.ThrowIfCancellationRequested();
        await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Rewrites a held key's mode in place (same create revision: same place in the queue).</summary>
    public async Task SetModeAsync(EtcdGrant grant, ContenderMode mode, long token, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(grant.Key, grant.CreateRevision));
        txn.Success.Add(Ops.Put(grant.Key, grant.Value(mode, token == grant.CreateRevision ? 0 : token).Encode(), grant.Session.LeaseId));
        cancellationToken.ThrowIfCancellationRequested();
        await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>After a hold's key watch could not resume (compaction): is the key still there?</summary>
    public async Task RecheckAsync(EtcdGrant grant)
    {
        try
        {
            var range = await RangeAsync(grant.Key, ByteString.Empty, CancellationToken.None).ConfigureAwait(false);
            if (range.Kvs.Count == 0 || range.Kvs[0].CreateRevision != grant.CreateRevision)
            {
                grant.OnKeyGone();
            }
            else
            {
                await grant.WatchAsync(range.Header.Revision).ConfigureAwait(false);
            }
        }
        catch (BackendUnavailableException e)
        {
            Log.RecheckFailed(_logger, e, grant.Name.Name);
        }
    }
}
