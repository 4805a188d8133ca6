using Npgsql;

namespace Baton.Postgres.Sessions;

/// <summary>
/// The hot-path statements of one session as commands made and prepared once, their parameters reused: an
/// acquire or release then costs the round trip and little else (no command, parameter or SQL lookup per call).
/// Used only between <see cref="PgSession.EnterAsync"/> and <see cref="PgSession.Exit"/>; the caller awaits
/// Npgsql itself, so nothing here is an async method of its own.
/// </summary>
internal sealed class SessionCommands(NpgsqlConnection connection, Statements statements)
{
    private Prepared? _tryExclusive;
    private Prepared? _tryShared;
    private Prepared? _tryExclusiveFirst;
    private Prepared? _trySharedFirst;
    private Prepared? _releaseExclusive;
    private Prepared? _releaseShared;
    private PreparedWait? _waitExclusive;
    private PreparedWait? _waitShared;

    /// <summary>
    /// Keys this session has a row for in the holds table (made by its first hold of the key, and kept: rows are
    /// updated in place), so their tries only update it. Guarded by the session's gate.
    /// </summary>
    public HashSet<int> RowKeys { get; } = [];

    /// <summary>The try-acquire of the key, ready to run (its answer: <see cref="ReadTryAsync"/>).</summary>
    public ValueTask<NpgsqlCommand> TryAsync(int key, bool shared)
    {
        var prepared = RowKeys.Contains(key)
            ? shared
                ? _tryShared ??= new Prepared(connection, statements.TryShared, statements.Keyspace, withToken: false)
                : _tryExclusive ??= new Prepared(connection, statements.TryExclusive, statements.Keyspace, withToken: false)
            : shared
                ? _trySharedFirst ??= new Prepared(connection, statements.TrySharedFirst, statements.Keyspace, withToken: false)
                : _tryExclusiveFirst ??= new Prepared(connection, statements.TryExclusiveFirst, statements.Keyspace, withToken: false);
        return prepared.ReadyAsync(key, 0);
    }

    /// <summary>
    /// The blocking acquire of the key, ready to run with the wait's cancellation: one round trip of two statements
    /// in one implicit transaction. The first takes the lock, waiting in the lock manager; the second, which runs
    /// only once the first is done, records the hold with a snapshot of that moment (under READ COMMITTED every
    /// statement takes its own), as a plain statement that waited could not. A cancelled wait fails the first, and
    /// the transaction skips the second. Answers: whether it waited, then the try's answer (<see cref="ReadWaitAsync"/>).
    /// </summary>
    public ValueTask<NpgsqlBatch> WaitAsync(int key, bool shared)
    {
        var prepared = shared
            ? _waitShared ??= new PreparedWait(connection, statements.LockShared, statements.RecordShared, statements.Keyspace)
            : _waitExclusive ??= new PreparedWait(connection, statements.LockExclusive, statements.RecordExclusive, statements.Keyspace);
        return prepared.ReadyAsync(key);
    }

    /// <summary>
    /// Ends a hold of this session: its row, then the lock. Answers the rows updated: 0 when the row was changed
    /// behind Baton's back, and then nothing was unlocked (see <see cref="UnlockAsync"/>).
    /// </summary>
    public Task<int> ReleaseAsync(int key, bool shared, long token)
    {
        var prepared = shared
            ? _releaseShared ??= new Prepared(connection, statements.ReleaseShared, statements.Keyspace, withToken: true)
            : _releaseExclusive ??= new Prepared(connection, statements.ReleaseExclusive, statements.Keyspace, withToken: true);
        var ready = prepared.ReadyAsync(key, token);
        return ready.IsCompletedSuccessfully ? ready.Result.ExecuteNonQueryAsync() : ReleaseWhenReadyAsync(ready);
    }

    /// <summary>The unlock of a release that found no row; the row is made again at the key's next hold.</summary>
    public async Task UnlockAsync(int key, bool shared)
    {
        RowKeys.Remove(key);
        await using var command = new NpgsqlCommand(Statements.Unlock, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<int> { TypedValue = statements.Keyspace },
                new NpgsqlParameter<int> { TypedValue = key },
                new NpgsqlParameter<bool> { TypedValue = shared },
            },
        };
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Reads and closes the try's answer (no row: not granted): the token, and of the rows it updated the leftover
    /// with the greatest token. Notes the key's row, or repairs it when it was missing (only a change behind Baton's
    /// back, such as a deleted row, leaves a granted hold without one). Completes at once when the answer is in
    /// (it is, with the statement's completion), so it costs no task.
    /// </summary>
    public async ValueTask<AcquireResult> ReadTryAsync(NpgsqlDataReader reader, int key, bool shared, int ownPid)
    {
        long? token = null;
        var ownRow = false;
        string? previousMember = null;
        long? previousToken = null;
        var previousEnded = '\0';
        try
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                token ??= reader.GetInt64(0);
                if (reader.IsDBNull(1))
                {
                    continue;
                }

                if (reader.GetInt32(1) == ownPid)
                {
                    ownRow = true;
                }
                else if (previousToken is not { } known || reader.GetInt64(3) > known)
                {
                    previousMember = reader.IsDBNull(2) ? null : reader.GetString(2);
                    previousToken = reader.GetInt64(3);
                    previousEnded = reader.IsDBNull(4) ? '\0' : reader.GetString(4)[0];
                }
            }
        }
        finally
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        if (token is not { } granted)
        {
            return default;
        }

        if (!ownRow)
        {
            await RecordAsync(key, shared, granted).ConfigureAwait(false);
        }

        RowKeys.Add(key);
        return new AcquireResult(granted, key, previousMember, previousToken, previousEnded, null);
    }

    /// <summary>Reads and closes the blocking acquire's answer: whether it waited, then the hold as <see cref="ReadTryAsync"/> reads it.</summary>
    public async ValueTask<AcquireResult> ReadWaitAsync(NpgsqlDataReader reader, int key, bool shared, int ownPid, CancellationToken cancellationToken)
    {
        bool waited;
        try
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            waited = reader.GetBoolean(0);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var result = await ReadTryAsync(reader, key, shared, ownPid).ConfigureAwait(false);
        return result with { Waited = waited };
    }

    private async Task RecordAsync(int key, bool shared, long token)
    {
        await using var command = new NpgsqlCommand(statements.Record, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<int> { TypedValue = key },
                new NpgsqlParameter<long> { TypedValue = token },
                new NpgsqlParameter<string> { TypedValue = shared ? "s" : "x" },
            },
        };
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<int> ReleaseWhenReadyAsync(ValueTask<NpgsqlCommand> ready) =>
        await (await ready.ConfigureAwait(false)).ExecuteNonQueryAsync().ConfigureAwait(false);

    /// <summary>The two statements of a blocking acquire as one batch, each with its parameters ($1 keyspace, $2 key), prepared before its first use.</summary>
    private sealed class PreparedWait
    {
        private readonly NpgsqlParameter<int> _lockKey = new() { TypedValue = 0 };
        private readonly NpgsqlParameter<int> _recordKey = new() { TypedValue = 0 };
        private bool _isPrepared;

        public PreparedWait(NpgsqlConnection connection, string lockSql, string recordSql, int keyspace)
        {
            Batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand(lockSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = keyspace }, _lockKey } },
                    new NpgsqlBatchCommand(recordSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = keyspace }, _recordKey } },
                },
            };
        }

        private NpgsqlBatch Batch { get; }

        public ValueTask<NpgsqlBatch> ReadyAsync(int key)
        {
            _lockKey.TypedValue = key;
            _recordKey.TypedValue = key;
            return _isPrepared ? new(Batch) : PrepareAsync();
        }

        private async ValueTask<NpgsqlBatch> PrepareAsync()
        {
            await Batch.PrepareAsync().ConfigureAwait(false);
            _isPrepared = true;
            return Batch;
        }
    }

    /// <summary>One command with its parameters ($1 keyspace, $2 key, $3 token), prepared before its first use.</summary>
    private sealed class Prepared
    {
        private readonly NpgsqlParameter<int> _key = new() { TypedValue = 0 };
        private readonly NpgsqlParameter<long>? _token;
        private bool _isPrepared;

        public Prepared(NpgsqlConnection connection, string sql, int keyspace, bool withToken)
        {
            Command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter<int> { TypedValue = keyspace }, _key } };
            if (withToken)
            {
                _token = new NpgsqlParameter<long> { TypedValue = 0 };
                Command.Parameters.Add(_token);
            }
        }

        private NpgsqlCommand Command { get; }

        public ValueTask<NpgsqlCommand> ReadyAsync(int key, long token)
        {
            _key.TypedValue = key;
            _token?.TypedValue = token;
            return _isPrepared ? new(Command) : PrepareAsync();
        }

        private async ValueTask<NpgsqlCommand> PrepareAsync()
        {
            await Command.PrepareAsync().ConfigureAwait(false);
            _isPrepared = true;
            return Command;
        }
    }
}
