using Baton.Etcd.Keys;
using Baton.Etcd.Queue;
using Etcdserverpb;

namespace Baton.Etcd.Holds;

/// <summary>
/// Reads the takeover notice from a name's hold records: a record whose contender key is gone (or is a newer key of
/// the same suffix) belongs to a hold that did not end cleanly. The latest one names the previous holder.
/// </summary>
internal static class Takeovers
{
    /// <summary>The notice (or null) and the dead records to delete.</summary>
    public static (TakeoverNotice? Notice, List<Mvccpb.KeyValue> Dead) Find(
        IEnumerable<Mvccpb.KeyValue> records, PreparedName name, IReadOnlyList<Contender> live, DateTimeOffset now)
    {
        var dead = new List<Mvccpb.KeyValue>();
        HoldRecord? latest = null;
        foreach (var kv in records)
        {
            var suffix = kv.Key.Span[name.Records.Length..];
            var suffixText = System.Text.Encoding.UTF8.GetString(suffix);
            if (KeyLayout.IsSemaphoreSuffix(suffixText) != (name.Kind == LockKind.Semaphore))
            {
                // The lock and the semaphore of one name share the records' prefix, not their holders.
                continue;
            }

            // A record written with its contender key (in one transaction) names no revision: it is its own.
            var record = HoldRecord.Decode(kv.Value);
            if (record is { ContenderRevision: 0 })
            {
                record = record with { ContenderRevision = kv.ModRevision, Token = kv.ModRevision };
            }

            if (record is not null && live.Any(c => c.Suffix == suffixText && c.CreateRevision == record.ContenderRevision))
            {
                continue;
            }

            dead.Add(kv);
            if (record is not null && (latest is null || record.Token > latest.Token))
            {
                latest = record;
            }
        }

        if (latest is null)
        {
            return (null, dead);
        }

        var reason = latest.State switch
        {
            HoldState.Abandoned => TakeoverReason.Abandoned,
            HoldState.Broken => TakeoverReason.Broken,
            _ => TakeoverReason.LeaseExpired,
        };
        var endedAt = latest.EndedTicks > 0 ? new DateTimeOffset(latest.EndedTicks, TimeSpan.Zero) : now;
        return (new TakeoverNotice(latest.Member ?? new MemberIdentity("(unknown)", 0, "(unknown)"), latest.Token, reason, endedAt), dead);
    }

    /// <summary>Deletes dead records, each only if unchanged since it was read.</summary>
    public static TxnRequest Cleanup(IEnumerable<Mvccpb.KeyValue> dead)
    {
        var txn = new TxnRequest();
        foreach (var kv in dead)
        {
            // One transaction per record would cost a round trip each; a failed compare only means another holder
            // cleaned it first, so each is deleted in its own nested transaction.
            var inner = new TxnRequest();
            inner.Compare.Add(Ops.Modified(kv.Key, kv.ModRevision));
            inner.Success.Add(Ops.Delete(kv.Key));
            txn.Success.Add(new RequestOp { RequestTxn = inner });
        }

        return txn;
    }
}
