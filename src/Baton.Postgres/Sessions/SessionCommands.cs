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
    private Prepared? _waitExclusive;
    private Prepared? _waitShared;

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

    /// <summary>The blocking acquire of the key, ready to run with the wait's cancellation (its answer: <see cref="ReadWait"/>).</summary>
    public ValueTask<NpgsqlCommand> WaitAsync(int key, bool shared)
    {
        var prepared = shared
            ? _waitShared ??= new Prepared(connection, statements.WaitShared, statements.Keyspace, withToken: false)
            : _waitExclusive ??= new Prepared(connection, statements.WaitExclusive, statements.Keyspace, withToken: false);
        return prepared.ReadyAsync(key, 0);
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

    /// <summary>The blocking acquire's answer (one row; a null token only if the function gave up). The key's row exists after it.</summary>
    public AcquireResult ReadWait(NpgsqlDataReader reader, int key)
    {
        if (reader.IsDBNull(0))
        {
            return default;
        }

        RowKeys.Add(key);
        return new AcquireResult(
            reader.GetInt64(0),
            key,
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.IsDBNull(3) ? '\0' : reader.GetString(3)[0],
            null,
            reader.GetBoolean(4));
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
