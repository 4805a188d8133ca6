using Baton.Backends;
using Baton.Etcd.Connection;
using Baton.Etcd.Holds;
using Baton.Etcd.Keys;
using Baton.Etcd.Queue;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Baton.Etcd;

/// <summary>Acquiring: the contender key, the grant with its hold record, the queue.</summary>
internal sealed partial class EtcdBackend
{
    public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var name = request.PreparedName as PreparedName ?? new PreparedName(Layout, request.Kind, request.Name);
        var session = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        var now = Time.GetUtcNow();
        var claim = _claims.Claim(name, session.LeaseHex, now.UtcTicks);
        var handedOff = false;
        try
        {
            var key = KeyLayout.Key(name.Contenders, claim.Suffix);
            var value = new ContenderValue(ModeOf(request), request.MaxCount, now.UtcTicks, request.Member);

            // Alone: my key and my hold record in one write, reading the records left by holds that did not end cleanly
            // first. Otherwise: my key, and the queue as it stands with it.
            var txn = new TxnRequest();
            txn.Compare.Add(Ops.Empty(name.Contenders, name.ContendersEnd));
            txn.Success.Add(Ops.Range(name.Records, name.RecordsEnd));
            txn.Success.Add(Ops.Put(key, value.Encode(), session.LeaseId));
            txn.Success.Add(Ops.Put(name.Record(claim.Suffix), new HoldRecord(HoldState.Holding, 0, 0, request.Member).Encode()));
            txn.Failure.Add(Ops.Put(key, value.Encode(), session.LeaseId));
            txn.Failure.Add(Ops.Range(name.Contenders, name.ContendersEnd));

            // Not cancellable: a request cancelled in flight may still have put the key, and only its answer says
            // which key to take back. The call timeout bounds it; the core undoes a start that finishes late.
            TxnResponse response;
            try
            {
                response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
            }
            catch (BackendUnavailableException)
            {
                await TryDeleteAsync(key).ConfigureAwait(false);
                throw;
            }

            var revision = response.Header.Revision;
            if (response.Succeeded)
            {
                var self = new Contender(key, claim.Suffix, revision, revision, session.LeaseId, value);
                var (takeover, dead) = Takeovers.Find(response.Responses[0].ResponseRange.Kvs, name, [self], now);
                await CleanupAsync(dead).ConfigureAwait(false);
                var grant = await RegisterAsync(new EtcdGrant(this, session, claim, key, revision, request.Mode, revision, takeover, request.Member), revision).ConfigureAwait(false);
                handedOff = true;
                return AcquisitionStart.Granted(grant);
            }

            // The key's create revision as etcd has it: when a retried request had been applied already (the answer
            // was lost in a leader change), the second put kept the first one's revision.
            var queue = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
            var index = queue.FindIndex(c => c.Key == key);
            if (index < 0)
            {
                throw new BackendUnavailableException($"etcd at {DisplayUrl} lost the key of a request for '{name.Name}' as it was written (its lease expired?).");
            }

            var created = queue[index].CreateRevision;
            try
            {
                CheckCount(queue, name, request.MaxCount);
            }
            catch (InvalidOperationException)
            {
                await DeleteContenderAsync(key, created).ConfigureAwait(false);
                throw;
            }

            if (QueueRules.Evaluate(queue, index, name.Kind, request.MaxCount).Holds)
            {
                var grant = await FinishGrantAsync(session, claim, key, created, request, cancellationToken).ConfigureAwait(false);
                handedOff = true;
                return AcquisitionStart.Granted(grant);
            }

            if (!request.Wait)
            {
                await DeleteContenderAsync(key, created).ConfigureAwait(false);
                return AcquisitionStart.Denied;
            }

            var ticket = new EtcdAcquireTicket(this, session, claim, key, created, request);
            lock (_gate)
            {
                ThrowIfDisposedLocked();
                _tickets.Add(ticket);
            }

            handedOff = true;
            ticket.Start(queue, revision);
            return AcquisitionStart.Queued(ticket);
        }
        finally
        {
            if (!handedOff)
            {
                claim.Dispose();
            }
        }
    }

    /// <summary>
    /// Makes the grant of a contender that may hold: writes its hold record (if its key is still the one it queued
    /// with) and reads the records of holds that did not end cleanly, for the takeover notice.
    /// </summary>
    public async Task<EtcdGrant> FinishGrantAsync(LeaseSession session, SuffixClaim claim, ByteString key, long createRevision, AcquisitionRequest request, CancellationToken cancellationToken)
    {
        var name = claim.Name;
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(key, createRevision));
        txn.Success.Add(Ops.Range(name.Records, name.RecordsEnd));
        txn.Success.Add(Ops.Range(name.Contenders, name.ContendersEnd));
        txn.Success.Add(Ops.Put(name.Record(claim.Suffix), new HoldRecord(HoldState.Holding, createRevision, createRevision, request.Member).Encode()));

        // Not cancellable, for the same reason as the start: a record written by a request seen as cancelled would be
        // taken for a crashed hold.
        cancellationToken.ThrowIfCancellationRequested();
        var response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new BackendUnavailableException($"The request for '{name.Name}' on {DisplayUrl} lost its key before it could hold (its lease expired, or an operator removed it).");
        }

        var live = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
        var (takeover, dead) = Takeovers.Find(response.Responses[0].ResponseRange.Kvs, name, live, Time.GetUtcNow());
        await CleanupAsync(dead).ConfigureAwait(false);
        return await RegisterAsync(
            new EtcdGrant(this, session, claim, key, createRevision, request.Mode, createRevision, takeover, request.Member),
            response.Header.Revision).ConfigureAwait(false);
    }

    /// <summary>
    /// For a waiting writer: if its key is still there and no key under the name is older, writes its hold record and
    /// returns the grant; otherwise returns the queue as it stands, in the same round trip. (Keys of a longer name or
    /// of the semaphore under the same prefix also count as older here; the queue then decides, as in any read.)
    /// </summary>
    public async Task<(LockGrant? Grant, IReadOnlyList<Contender> Queue, long Revision)> TryHoldFirstAsync(
        LeaseSession session, SuffixClaim claim, ByteString key, long createRevision, AcquisitionRequest request, CancellationToken cancellationToken)
    {
        var name = claim.Name;
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(key, createRevision));
        txn.Compare.Add(Ops.NoneOlder(name.Contenders, name.ContendersEnd, createRevision));
        txn.Success.Add(Ops.Range(name.Records, name.RecordsEnd));
        txn.Success.Add(Ops.Range(name.Contenders, name.ContendersEnd));
        txn.Success.Add(Ops.Put(name.Record(claim.Suffix), new HoldRecord(HoldState.Holding, createRevision, createRevision, request.Member).Encode()));
        txn.Failure.Add(Ops.Range(name.Contenders, name.ContendersEnd));
        cancellationToken.ThrowIfCancellationRequested();
        var response = await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            return (null, QueueRules.Contenders(response.Responses[0].ResponseRange, name.Contenders, name.Kind), response.Header.Revision);
        }

        var live = QueueRules.Contenders(response.Responses[1].ResponseRange, name.Contenders, name.Kind);
        var (takeover, dead) = Takeovers.Find(response.Responses[0].ResponseRange.Kvs, name, live, Time.GetUtcNow());
        await CleanupAsync(dead).ConfigureAwait(false);
        var grant = await RegisterAsync(
            new EtcdGrant(this, session, claim, key, createRevision, request.Mode, createRevision, takeover, request.Member),
            response.Header.Revision).ConfigureAwait(false);
        return (grant, live, response.Header.Revision);
    }

    private async Task<EtcdGrant> RegisterAsync(EtcdGrant grant, long revision)
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

        await grant.WatchAsync(revision).ConfigureAwait(false);
        return grant;
    }

    public async Task DeleteContenderAsync(ByteString key, long createRevision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(Ops.Created(key, createRevision));
        txn.Success.Add(Ops.Delete(key));
        await TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Deletes a key whose creation may or may not have happened (its request failed): best effort, the lease ends it otherwise.</summary>
    private async Task TryDeleteAsync(ByteString key)
    {
        try
        {
            await _connection.RunAsync(options => _connection.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = key }, options), CancellationToken.None, CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
    }

    public async Task<(List<Contender> Queue, long Revision)> ReadQueueAsync(PreparedName name, CancellationToken cancellationToken)
    {
        var range = await RangeAsync(name.Contenders, name.ContendersEnd, cancellationToken).ConfigureAwait(false);
        return (QueueRules.Contenders(range, name.Contenders, name.Kind), range.Header.Revision);
    }

    /// <summary>Every user of a semaphore must agree on its count; a disagreement is the caller's error.</summary>
    public static void CheckCount(IReadOnlyList<Contender> queue, PreparedName name, int maxCount)
    {
        if (name.Kind != LockKind.Semaphore)
        {
            return;
        }

        foreach (var contender in queue)
        {
            if (contender.Value.MaxCount != maxCount && contender.Value.Member is not null)
            {
                throw new InvalidOperationException(
                    $"Semaphore '{name.Name}' is in use with a count of {contender.Value.MaxCount}; this request asked for {maxCount}. Every user of a semaphore must agree on its count.");
            }
        }
    }

    private async Task CleanupAsync(List<Mvccpb.KeyValue> dead)
    {
        if (dead.Count == 0)
        {
            return;
        }

        try
        {
            await TxnAsync(Takeovers.Cleanup(dead), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BackendUnavailableException e)
        {
            // The next holder finds them again; it reports the same takeover, which is still true.
            Log.CleanupFailed(_logger, e);
        }
    }

    private static ContenderMode ModeOf(in AcquisitionRequest request) =>
        request.Kind == LockKind.Semaphore ? ContenderMode.Semaphore
        : request.Mode == LockMode.Shared ? ContenderMode.Shared
        : ContenderMode.Exclusive;
}
