using Npgsql;
using NpgsqlTypes;

namespace Baton.Postgres.Sessions;

/// <summary>
/// What an acquiring statement answers: nothing (not granted), or the token and the leftover it replaced; a lock's
/// blocking acquire also says whether it had to wait.
/// </summary>
internal readonly record struct AcquireResult(
    long? Token, int SlotKey, string? PreviousMember, long? PreviousToken, char PreviousEnded, int? OtherCount, bool Waited = false)
{
    /// <summary>How the previous hold ended, from its row's <c>ended</c>: a = abandoned, b = broken, none = its session died.</summary>
    public TakeoverReason PreviousReason => PreviousEnded switch
    {
        'a' => TakeoverReason.Abandoned,
        'b' => TakeoverReason.Broken,
        _ => TakeoverReason.HolderCrashed,
    };
}

/// <summary>
/// The statements of the backend, one round trip each. The acquire and release of a lock or reader-writer lock
/// are plain SQL, run through commands each session prepares once (<see cref="SessionCommands"/>); the others call
/// the schema's functions through commands made per call, prepared automatically.
/// </summary>
internal sealed class Statements
{
    /// <summary>How the head of a semaphore's queue waits on one slot before looking at all of them again.</summary>
    public const string SlotPoll = "100ms";

    private readonly string _acquireSlot;
    private readonly string _keys;
    private readonly string _tryUpgrade;
    private readonly string _finishUpgrade;
    private readonly string _abortUpgrade;
    private readonly string _downgrade;
    private readonly string _abandon;
    private readonly string _hello;
    private readonly string _breakMark;
    private readonly string _breakRequests;
    private readonly string _breakWait;
    private readonly string _breakEnd;
    private readonly string _moveBrokenAside;
    private readonly string _brokenTokens;
    private readonly string _setMember;

    public Statements(string schema, int keyspace)
    {
        Keyspace = keyspace;
        _setMember = $"UPDATE {schema}.holds SET member = $1 WHERE key = $2 AND pid = pg_backend_pid() AND token = $3";
        TryExclusive = TrySql(schema, "pg_try_advisory_lock", 'x', firstUse: false);
        TryShared = TrySql(schema, "pg_try_advisory_lock_shared", 's', firstUse: false);
        TryExclusiveFirst = TrySql(schema, "pg_try_advisory_lock", 'x', firstUse: true);
        TrySharedFirst = TrySql(schema, "pg_try_advisory_lock_shared", 's', firstUse: true);
        Record = $"""
            INSERT INTO {schema}.holds AS h (key, pid, name_key, token, mode, max_count, member, since, held)
            VALUES ($1, pg_backend_pid(), $1, $2, $3::"char", 1, current_setting('baton.member'), clock_timestamp(), true)
            ON CONFLICT (key, pid) DO UPDATE SET token = excluded.token, mode = excluded.mode, member = excluded.member,
                since = excluded.since, held = true, ended = NULL
            """;
        ReleaseExclusive = ReleaseSql(schema, "pg_advisory_unlock");
        ReleaseShared = ReleaseSql(schema, "pg_advisory_unlock_shared");
        LockExclusive = "SELECT CASE WHEN pg_try_advisory_lock($1, $2) THEN false ELSE (SELECT true FROM pg_advisory_lock($1, $2)) END";
        LockShared = "SELECT CASE WHEN pg_try_advisory_lock_shared($1, $2) THEN false ELSE (SELECT true FROM pg_advisory_lock_shared($1, $2)) END";
        RecordExclusive = RecordSql(schema, 'x');
        RecordShared = RecordSql(schema, 's');
        _breakRequests = $"SELECT pid, key, token FROM {schema}.holds WHERE ended = 'b' AND held AND pid = ANY ($1)";
        _acquireSlot = $"SELECT o_token, o_slot_key, o_prev_member, o_prev_token, o_prev_ended::text, o_other_count FROM {schema}.acquire_slot($1, $2, $3, $4, $5)";
        _keys = $"SELECT {schema}.keys($1, $2, $3, $4)";
        _tryUpgrade = $"SELECT o_outcome::text, o_token FROM {schema}.try_upgrade6($1, $2, $3, $4, $5)";
        _finishUpgrade = $"SELECT {schema}.finish_upgrade6($1, $2, $3, $4)";
        _abortUpgrade = $"SELECT {schema}.abort_upgrade($1, $2, $3)";
        _downgrade = $"SELECT {schema}.downgrade($1, $2, $3)";
        _abandon = $"SELECT {schema}.abandon()";
        _hello = $"SELECT {schema}.hello6($1)";
        _breakMark = $"SELECT o_pid, o_key, o_token, o_mode, o_member, o_since FROM {schema}.break_mark($1, $2, $3)";
        _breakWait = $"SELECT {schema}.break_wait($1, $2, $3, $4, $5)";
        _breakEnd = $"SELECT {schema}.break_end($1, $2, $3)";
        _moveBrokenAside = $"UPDATE {schema}.holds SET pid = -nextval('{schema}.leftover_ids')::integer WHERE key = $1 AND pid = pg_backend_pid() AND token = $2";
        _brokenTokens = $"SELECT token FROM {schema}.broken_tokens WHERE token = ANY ($1)";
    }

    public int Keyspace { get; }

    /// <summary>
    /// Try-acquire of an exclusive hold ($1 keyspace, $2 key) on a session that has a row for the key: no row when
    /// not granted, else the token, with one row per holds row the statement updated (pid, member, token, ended):
    /// the session's own, and the leftovers it took over.
    /// </summary>
    public string TryExclusive { get; }

    /// <summary>Try-acquire of a shared hold; only exclusive rows can be leftovers (other readers may be alive).</summary>
    public string TryShared { get; }

    /// <summary>The exclusive try for a key the session may have no row for yet: it inserts the row when there is none.</summary>
    public string TryExclusiveFirst { get; }

    /// <summary>The shared try for a key the session may have no row for yet.</summary>
    public string TrySharedFirst { get; }

    /// <summary>Records a granted hold whose row was missing ($1 key, $2 token, $3 mode): a repair, never the usual path.</summary>
    public string Record { get; }

    /// <summary>
    /// The first statement of a blocking acquire ($1 keyspace, $2 key): tries, else waits in the lock manager (in
    /// arrival order); answers whether it waited. Sent in one batch with <see cref="RecordExclusive"/>: see
    /// <see cref="SessionCommands.WaitAsync"/>.
    /// </summary>
    public string LockExclusive { get; }

    /// <summary>The first statement of a blocking shared acquire.</summary>
    public string LockShared { get; }

    /// <summary>
    /// The second statement of a blocking acquire ($1 keyspace, $2 key), run once the lock is held: the token, and
    /// the hold recorded as the try records it (same answer), except that a leftover row locked at that moment is
    /// skipped: it is a releasing holder's (a release updates its row, unlocks and only then commits), and waiting
    /// for it would make the handoff sleep twice.
    /// </summary>
    public string RecordExclusive { get; }

    /// <summary>The second statement of a blocking shared acquire.</summary>
    public string RecordShared { get; }

    /// <summary>Release of an exclusive hold ($1 keyspace, $2 key, $3 token).</summary>
    public string ReleaseExclusive { get; }

    /// <summary>Release of a shared hold.</summary>
    public string ReleaseShared { get; }

    /// <summary>The unlock of a release whose row was missing ($1 keyspace, $2 key, $3 true when shared).</summary>
    public const string Unlock = "SELECT CASE WHEN $3 THEN pg_advisory_unlock_shared($1, $2) ELSE pg_advisory_unlock($1, $2) END";

    public async Task HelloAsync(NpgsqlConnection connection, string member, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_hello, connection) { Parameters = { Text(member) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int[]> KeysAsync(NpgsqlConnection connection, LockKind kind, string name, int first, int last, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_keys, connection)
        {
            Parameters = { Kind(kind), Text(name), Int(first), Int(last) },
        };
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return (int[])result!;
    }

    public async Task<AcquireResult> AcquireSlotAsync(
        NpgsqlConnection connection, int[] keys, bool wait, string member, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_acquireSlot, connection)
        {
            Parameters =
            {
                Int(Keyspace),
                new NpgsqlParameter<int[]> { TypedValue = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
                Bool(wait),
                Text(member),
                Text(SlotPoll),
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.IsDBNull(5))
        {
            return new AcquireResult(null, 0, null, null, '\0', reader.GetInt32(5));
        }

        if (reader.IsDBNull(0))
        {
            return default;
        }

        return new AcquireResult(
            reader.GetInt64(0),
            reader.GetInt32(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3),
            reader.IsDBNull(4) ? '\0' : reader.GetString(4)[0],
            null);
    }

    /// <summary>
    /// Outcome 'g' with the new token, 'n' (not now), 'w' (wait with <see cref="FinishUpgradeAsync"/>), 'd' (deadlock)
    /// or 'b' (a break marked the hold).
    /// </summary>
    public async Task<(char Outcome, long Token)> TryUpgradeAsync(
        NpgsqlConnection connection, int key, int upgradeKey, bool wait, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_tryUpgrade, connection)
        {
            Parameters = { Int(Keyspace), Int(key), Int(upgradeKey), Bool(wait), Long(token) },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetString(0)[0], reader.IsDBNull(1) ? 0 : reader.GetInt64(1));
    }

    /// <summary>The upgrade's wait; the new token, or null when a break marked the hold meanwhile (then nothing was upgraded).</summary>
    public async Task<long?> FinishUpgradeAsync(NpgsqlConnection connection, int key, int upgradeKey, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_finishUpgrade, connection) { Parameters = { Int(Keyspace), Int(key), Int(upgradeKey), Long(token) } };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long upgraded ? upgraded : null;
    }

    public async Task AbortUpgradeAsync(NpgsqlConnection connection, int key, int upgradeKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_abortUpgrade, connection) { Parameters = { Int(Keyspace), Int(key), Int(upgradeKey) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DowngradeAsync(NpgsqlConnection connection, int key, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_downgrade, connection) { Parameters = { Int(Keyspace), Int(key), Long(token) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records who holds a hold of this session when it is not the session's own member: a group member, whose id and
    /// capabilities are its join's (the hot path records the session's member, set once at hello).
    /// </summary>
    public async Task<int> SetMemberAsync(NpgsqlConnection connection, int key, long token, string member, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_setMember, connection) { Parameters = { Text(member), Int(key), Long(token) } };
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task AbandonAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_abandon, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the live holds of a name broken; returns them.</summary>
    public async Task<List<BrokenHold>> BreakMarkAsync(NpgsqlConnection connection, LockKind kind, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_breakMark, connection) { Parameters = { Int(Keyspace), Kind(kind), Text(name) } };
        var marked = new List<BrokenHold>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            marked.Add(new BrokenHold(
                reader.GetInt32(0),
                reader.GetInt32(1),
                reader.GetInt64(2),
                reader.GetString(3)[0],
                reader.GetString(4),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc))));
        }

        return marked;
    }

    /// <summary>Waits up to <paramref name="grace"/> for the marked holds to end; returns the sessions that still hold one.</summary>
    public async Task<int[]> BreakWaitAsync(NpgsqlConnection connection, IReadOnlyList<BrokenHold> marked, TimeSpan grace, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_breakWait, connection)
        {
            Parameters =
            {
                Int(Keyspace),
                Ints([.. marked.Select(m => m.Pid)]),
                Ints([.. marked.Select(m => m.Key)]),
                new NpgsqlParameter<long[]> { TypedValue = [.. marked.Select(m => m.Token)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                Int((int)grace.TotalMilliseconds),
            },
        };
        return (int[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Ends the sessions among <paramref name="pids"/> that still hold a key of <paramref name="marked"/>.</summary>
    public async Task<int[]> BreakEndAsync(NpgsqlConnection connection, int[] pids, IReadOnlyList<BrokenHold> marked, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_breakEnd, connection)
        {
            Parameters = { Int(Keyspace), Ints(pids), Ints([.. marked.Select(m => m.Key).Distinct()]) },
        };
        return (int[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The broken holds that sessions among <paramref name="pids"/> still hold: (pid, key, token).</summary>
    public async Task<List<(int Pid, int Key, long Token)>> BreakRequestsAsync(NpgsqlConnection connection, int[] pids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_breakRequests, connection) { Parameters = { Ints(pids) } };
        var requests = new List<(int Pid, int Key, long Token)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            requests.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2)));
        }

        return requests;
    }

    /// <summary>
    /// Lets a broken hold of this session go: its row moves aside as a leftover marked broken, then the lock is
    /// unlocked. Two statements, each its own transaction (the schema's release_broken did both in one): an advisory
    /// unlock takes effect at once, before its transaction commits, and the next holder, granted right then, skipped
    /// the row still locked by the move (SKIP LOCKED) and was told of no takeover.
    /// </summary>
    public async Task ReleaseBrokenAsync(NpgsqlConnection connection, int key, bool shared, long token, CancellationToken cancellationToken)
    {
        await using (var move = new NpgsqlCommand(_moveBrokenAside, connection) { Parameters = { Int(key), Long(token) } })
        {
            await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var unlock = new NpgsqlCommand(Unlock, connection) { Parameters = { Int(Keyspace), Int(key), Bool(shared) } };
        await unlock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Which of these tokens were held on sessions that a break ended.</summary>
    public async Task<HashSet<long>> BrokenTokensAsync(NpgsqlConnection connection, long[] tokens, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_brokenTokens, connection)
        {
            Parameters = { new NpgsqlParameter<long[]> { TypedValue = tokens, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint } },
        };
        var found = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetInt64(0));
        }

        return found;
    }

    /// <summary>Ends every advisory lock of a session that held nothing before a cancelled wait.</summary>
    public static async Task UnlockAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One statement that tries the lock and, when granted, draws the token and updates, in one pass over the key's
    /// rows, the session's own row (held, with the token) and the leftovers (rows of other sessions still marked
    /// held: an exclusive hold owns the key alone; a shared one can tell only exclusive rows), which it marks not
    /// held and returns. Plain SQL, so it is planned once per session and runs without PL/pgSQL. The update waits
    /// for, and re-reads, a row a releasing statement has just changed, so a clean release is never mistaken for a
    /// leftover. (A waiting acquire takes a function instead, whose statements read after the wait: this
    /// statement's snapshot is as old as the statement.) Its first use for a key on a session also inserts the
    /// session's row when there is none; later uses only update it, which costs far less than an insert or an
    /// upsert (pgbench, server CPU per acquire+release: 56 µs against 123 µs with an upsert).
    /// </summary>
    private static string TrySql(string schema, string tryLock, char mode, bool firstUse)
    {
        var own = "h.pid = pg_backend_pid()";
        var leftover = mode == 's' ? "h.held AND h.mode = 'x'" : "h.held";
        var member = firstUse ? $"member = CASE WHEN {own} THEN current_setting('baton.member') ELSE h.member END," : "";
        var insert = firstUse
            ? $"""
                ,
                i AS (INSERT INTO {schema}.holds (key, pid, name_key, token, mode, max_count, member, since, held)
                      SELECT $2, pg_backend_pid(), $2, t.token, '{mode}', 1, current_setting('baton.member'), clock_timestamp(), true FROM t
                      WHERE NOT EXISTS (SELECT FROM u WHERE u.pid = pg_backend_pid())
                      RETURNING pid, member, token, ended)
                """
            : "";
        var rows = firstUse ? "(SELECT * FROM u UNION ALL SELECT * FROM i)" : "u";
        return $"""
            WITH l AS (SELECT {tryLock}($1, $2) AS got),
            t AS (SELECT current_setting('baton.epoch')::bigint * 17592186044416 + nextval('{schema}.fencing_fast') AS token FROM l WHERE got),
            u AS (UPDATE {schema}.holds h SET held = ({own}), {member}
                      token = CASE WHEN {own} THEN t.token ELSE h.token END,
                      mode = CASE WHEN {own} THEN '{mode}' ELSE h.mode END,
                      since = CASE WHEN {own} THEN clock_timestamp() ELSE h.since END,
                      ended = CASE WHEN {own} THEN NULL ELSE h.ended END
                  FROM t WHERE h.key = $2 AND ({own} OR {leftover})
                  RETURNING h.pid, h.member, h.token, h.ended){insert}
            SELECT t.token, x.pid, x.member, x.token, x.ended::text FROM t LEFT JOIN {rows} x ON true
            """;
    }

    private static string RecordSql(string schema, char mode)
    {
        var own = "h.pid = pg_backend_pid()";
        var exclusiveOnly = mode == 's' ? " AND o.mode = 'x'" : "";
        return $"""
            WITH t AS (SELECT current_setting('baton.epoch')::bigint * 17592186044416 + nextval('{schema}.fencing_fast') AS token),
            u AS (UPDATE {schema}.holds h SET held = ({own}),
                      member = CASE WHEN {own} THEN current_setting('baton.member') ELSE h.member END,
                      token = CASE WHEN {own} THEN t.token ELSE h.token END,
                      mode = CASE WHEN {own} THEN '{mode}' ELSE h.mode END,
                      since = CASE WHEN {own} THEN clock_timestamp() ELSE h.since END,
                      ended = CASE WHEN {own} THEN NULL ELSE h.ended END
                  FROM t WHERE h.key = $2 AND ({own} OR h.ctid IN (
                      SELECT o.ctid FROM {schema}.holds o
                      WHERE o.key = $2 AND o.pid <> pg_backend_pid() AND o.held{exclusiveOnly} FOR UPDATE SKIP LOCKED))
                  RETURNING h.pid, h.member, h.token, h.ended)
            SELECT t.token, x.pid, x.member, x.token, x.ended::text FROM t LEFT JOIN u x ON true
            """;
    }

    /// <summary>
    /// The row first, then the unlock, in one statement: RETURNING runs after the row's update, and the next holder
    /// waits for this statement's row before it reads it, so it never finds the row of a clean release still held.
    /// No row matched (changed behind Baton's back): nothing was unlocked, and the caller unlocks with <see cref="Unlock"/>.
    /// </summary>
    private static string ReleaseSql(string schema, string unlock) =>
        $"UPDATE {schema}.holds SET held = false WHERE key = $2 AND pid = pg_backend_pid() AND token = $3 RETURNING {unlock}($1, $2)";

    private static NpgsqlParameter<int> Int(int value) => new() { TypedValue = value };

    private static NpgsqlParameter<long> Long(long value) => new() { TypedValue = value };

    private static NpgsqlParameter<bool> Bool(bool value) => new() { TypedValue = value };

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    /// <summary>The name table's kind: 0 locks (and elections), 1 semaphores, 2 groups — each its own namespace.</summary>
    private static NpgsqlParameter<short> Kind(LockKind kind) =>
        new() { TypedValue = kind switch { LockKind.Semaphore => (short)1, LockKind.Group => (short)2, _ => (short)0 } };

    private static NpgsqlParameter<int[]> Ints(int[] values) => new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };
}

/// <summary>A hold that a break marked: its session, key, token, mode ('x', 's' or 'm'), member and since.</summary>
internal readonly record struct BrokenHold(int Pid, int Key, long Token, char Mode, string Member, DateTimeOffset Since);
