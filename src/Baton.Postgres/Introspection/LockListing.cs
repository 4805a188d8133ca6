using Baton.Postgres.Holds;
using Npgsql;

namespace Baton.Postgres.Introspection;

/// <summary>
/// The listing: Baton's advisory locks in <c>pg_locks</c> (granted: holders; waiting: waiters), joined with the
/// name table (which name), the holds table (token and since) and the sessions table (who).
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
            LEFT JOIN {schema}.holds h ON l.granted AND h.key = n.id AND h.pid = l.pid AND h.held
            LEFT JOIN {schema}.sessions s ON s.pid = l.pid
            LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """;
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter<int> { TypedValue = keyspace } } };
        var rows = new List<Row>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new Row(
                    reader.GetInt16(0),
                    reader.GetString(1),
                    reader.GetInt32(2),
                    reader.GetInt32(3),
                    reader.GetBoolean(4),
                    reader.GetBoolean(5),
                    ToOffset(reader.GetDateTime(6)),
                    reader.IsDBNull(7) ? null : reader.GetInt64(7),
                    reader.IsDBNull(8) ? default : ToOffset(reader.GetDateTime(8)),
                    reader.IsDBNull(9) ? 0 : reader.GetInt32(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10)));
            }
        }

        // The head of a semaphore's queue holds the gate and waits on a slot; a try holds the gate only for a moment.
        var watching = rows.Where(r => r.Kind == 1 && r.Slot > 0 && !r.Granted).Select(r => (r.Name, r.Pid)).ToHashSet();
        var entries = new Dictionary<(short Kind, string Name), Entry>();
        foreach (var row in rows)
        {
            var role = Classify(row, watching);
            if (role is null)
            {
                continue;
            }

            if (!entries.TryGetValue((row.Kind, row.Name), out var entry))
            {
                entry = new Entry();
                entries[(row.Kind, row.Name)] = entry;
            }

            var identity = MemberCodec.Decode(row.Member, row.Pid);
            var mode = row.Kind == 1 ? LockMode.Semaphore : row.Shared ? LockMode.Shared : LockMode.Exclusive;
            if (role == Holder)
            {
                entry.Holders.Add(new LockHolder(identity, mode, row.Token!.Value, row.Since));
                entry.MaxCount = Math.Max(entry.MaxCount, row.MaxCount);
            }
            else
            {
                entry.Waiters.Add(new LockWaiter(identity, mode, row.WaitingSince));
            }
        }

        var result = new List<LockInfo>(entries.Count);
        foreach (var ((kind, name), entry) in entries)
        {
            if (entry.Holders.Count == 0 && entry.Waiters.Count == 0)
            {
                continue;
            }

            var lockKind = kind switch { 1 => LockKind.Semaphore, 2 => LockKind.Group, _ => LockKind.Lock };
            result.Add(new LockInfo(
                name,
                lockKind,
                lockKind == LockKind.Semaphore ? entry.MaxCount : 1,
                [.. entry.Holders.OrderBy(h => h.Since)],
                [.. entry.Waiters.OrderBy(w => w.Since)],
                observedAt));
        }

        return [.. result.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Kind)];
    }

    /// <summary>
    /// Holder or waiter, or null to skip: a lock's key granted with its row is a holder, waiting is a waiter;
    /// a semaphore's gate (slot 0) is its queue — everyone waiting there, and the head that holds it while
    /// waiting on a slot; its slots granted with a row are holders; the upgrade key (slot -1) is bookkeeping.
    /// </summary>
    private static int? Classify(Row row, HashSet<(string Name, int Pid)> watching) => (row.Kind, row.Slot) switch
    {
        (_, < 0) => null,
        (0 or 2, _) => row.Granted ? (row.Token is null ? null : Holder) : Waiter,
        (_, 0) => !row.Granted || watching.Contains((row.Name, row.Pid)) ? Waiter : null,
        _ => row.Granted && row.Token is not null ? Holder : null,
    };

    private static DateTimeOffset ToOffset(DateTime value) =>
        new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed record Row(
        short Kind, string Name, int Slot, int Pid, bool Shared, bool Granted, DateTimeOffset WaitingSince,
        long? Token, DateTimeOffset Since, int MaxCount, string? Member);

    private sealed class Entry
    {
        public List<LockHolder> Holders { get; } = [];

        public List<LockWaiter> Waiters { get; } = [];

        public int MaxCount { get; set; }
    }
}
