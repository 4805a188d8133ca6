using Baton.Postgres.Holds;
using Npgsql;

namespace Baton.Postgres.Introspection;

/// <summary>
/// The listing: Baton's advisory locks in <c>pg_locks</c> (granted: holders; waiting: waiters), joined with the
/// name table (which name), the holders table (token and since) and the sessions table (who).
/// </summary>
internal static class LockListing
{
    private const int Holder = 0;
    private const int Waiter = 1;

    public static async Task<IReadOnlyList<LockInfo>> ReadAsync(
        NpgsqlConnection connection, string schema, int keyspace, DateTimeOffset observedAt, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT n.kind, n.name, n.slot, l.pid, l.mode = 'ShareLock', l.granted,
                   coalesce(l.waitstart, a.query_start, now()), h.token, h.since, h.max_count,
                   coalesce(h.member, s.member)
            FROM pg_locks l
            JOIN {schema}.names n ON n.id = l.objid::bigint
            LEFT JOIN {schema}.holders h ON l.granted AND h.key = n.id AND h.pid = l.pid
            LEFT JOIN {schema}.sessions s ON s.pid = l.pid
            LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """;
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter<int> { TypedValue = keyspace } } };
        var entries = new Dictionary<(short Kind, string Name), Entry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var kind = reader.GetInt16(0);
                var name = reader.GetString(1);
                var slot = reader.GetInt32(2);
                var pid = reader.GetInt32(3);
                var shared = reader.GetBoolean(4);
                var granted = reader.GetBoolean(5);
                var member = reader.IsDBNull(10) ? null : reader.GetString(10);
                var role = Classify(kind, slot, granted, hasRow: !reader.IsDBNull(7));
                if (role is null)
                {
                    continue;
                }

                if (!entries.TryGetValue((kind, name), out var entry))
                {
                    entry = new Entry();
                    entries[(kind, name)] = entry;
                }

                var identity = MemberCodec.Decode(member, pid);
                if (role == Holder)
                {
                    var mode = kind == 1 ? LockMode.Semaphore : shared ? LockMode.Shared : LockMode.Exclusive;
                    entry.Holders.Add(new LockHolder(identity, mode, reader.GetInt64(7), ToOffset(reader.GetDateTime(8))));
                    entry.MaxCount = Math.Max(entry.MaxCount, reader.GetInt32(9));
                }
                else
                {
                    var mode = kind == 1 ? LockMode.Semaphore : shared ? LockMode.Shared : LockMode.Exclusive;
                    entry.Waiters.Add(new LockWaiter(identity, mode, ToOffset(reader.GetDateTime(6))));
                }
            }
        }

        var result = new List<LockInfo>(entries.Count);
        foreach (var ((kind, name), entry) in entries)
        {
            if (entry.Holders.Count == 0 && entry.Waiters.Count == 0)
            {
                continue;
            }

            var lockKind = kind == 1 ? LockKind.Semaphore : LockKind.Lock;
            result.Add(new LockInfo(
                name,
                lockKind,
                lockKind == LockKind.Lock ? 1 : entry.MaxCount,
                [.. entry.Holders.OrderBy(h => h.Since)],
                [.. entry.Waiters.OrderBy(w => w.Since)],
                observedAt));
        }

        return [.. result.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Kind)];
    }

    /// <summary>
    /// Holder or waiter, or null to skip: a lock's key granted with its row is a holder, waiting is a waiter;
    /// a semaphore's gate (slot 0) is its queue — everyone there waits, including the head that holds it while
    /// watching the slots; its slots granted with a row are holders; the upgrade key (slot -1) is bookkeeping.
    /// </summary>
    private static int? Classify(short kind, int slot, bool granted, bool hasRow) => (kind, slot) switch
    {
        (_, < 0) => null,
        (0, _) => granted ? (hasRow ? Holder : null) : Waiter,
        (_, 0) => Waiter,
        _ => granted && hasRow ? Holder : null,
    };

    private static DateTimeOffset ToOffset(DateTime value) =>
        new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed class Entry
    {
        public List<LockHolder> Holders { get; } = [];

        public List<LockWaiter> Waiters { get; } = [];

        public int MaxCount { get; set; }
    }
}
