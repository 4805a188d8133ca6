using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Layout;

namespace Baton.ZooKeeper.Holds;

/// <summary>
/// Reads the takeover notice from a name's hold records: a record whose owner has no live node belongs to a hold
/// that did not end cleanly (or to a waiter that died, which is no takeover). The latest one names the previous
/// holder; every dead record is removed, each only if unchanged since it was read.
/// </summary>
internal static class Takeovers
{
    public static async Task<TakeoverNotice?> FindAsync(ZooKeeperBackend backend, ZooKeeperClient session, string recordsPath, IReadOnlyList<string> records, IReadOnlySet<string> liveOwners, DateTimeOffset now)
    {
        var dead = records.Where(owner => !liveOwners.Contains(owner)).ToArray();
        if (dead.Length == 0)
        {
            return null;
        }

        var reads = dead.Select(async owner =>
        {
            try
            {
                return (Path: recordsPath + "/" + owner, Result: (DataResult?)await session.GetDataAsync(recordsPath + "/" + owner, null, CancellationToken.None).ConfigureAwait(false));
            }
            catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
            {
                return (Path: recordsPath + "/" + owner, Result: (DataResult?)null);
            }
        }).ToArray();
        var found = await Task.WhenAll(reads).ConfigureAwait(false);

        HoldRecord? latest = null;
        long latestToken = 0;
        var cleanup = new List<ZooKeeperOp>();
        foreach (var (path, result) in found)
        {
            if (result is null)
            {
                continue;
            }

            cleanup.Add(new ZooKeeperOp.Delete(path, result.Stat.Version));
            var record = HoldRecord.Decode(result.Data);
            if (record is null || record.State == HoldState.Waiting)
            {
                continue;
            }

            // A record made with its contender node in one transaction shares its creation zxid: the holder's token.
            var token = record.Token != 0 ? record.Token : result.Stat.Czxid;
            if (latest is null || token > latestToken)
            {
                (latest, latestToken) = (record, token);
            }
        }

        await backend.DeleteRecordsAsync(session, cleanup).ConfigureAwait(false);
        if (latest is null)
        {
            return null;
        }

        var reason = latest.State switch
        {
            HoldState.Abandoned => TakeoverReason.Abandoned,
            HoldState.Broken => TakeoverReason.Broken,
            _ => TakeoverReason.LeaseExpired,
        };
        var endedAt = latest.EndedTicks > 0 ? new DateTimeOffset(latest.EndedTicks, TimeSpan.Zero) : now;
        return new TakeoverNotice(latest.Member ?? new MemberIdentity("(unknown)", 0, "(unknown)"), latestToken, reason, endedAt);
    }
}
