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
    private Prepared? _releaseExclusive;
    private Prepared? _releaseShared;
    private Prepared? _waitExclusive;
    private Prepared? _waitShared;

    /// <summary>The try-acquire of the key, ready to run (its answer: <see cref="ReadTry"/>).</summary>
    public ValueTask<NpgsqlCommand> TryAsync(int key, bool shared)
    {
        var prepared = shared
            ? _tryShared ??= new Prepared(connection, statements.TryShared, statements.Keyspace, withToken: false)
            : _tryExclusive ??= new Prepared(connection, statements.TryExclusive, statements.Keyspace, withToken: false);
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

    /// <summary>Ends a hold of this session: its row, then the lock.</summary>
    public Task ReleaseAsync(int key, bool shared, long token)
    {
        var prepared = shared
            ? _releaseShared ??= new Prepared(connection, statements.ReleaseShared, statements.Keyspace, withToken: true)
            : _releaseExclusive ??= new Prepared(connection, statements.ReleaseExclusive, statements.Keyspace, withToken: true);
        var ready = prepared.ReadyAsync(key, token);
        return ready.IsCompletedSuccessfully ? ready.Result.ExecuteNonQueryAsync() : RunWhenReadyAsync(ready);
    }

    /// <summary>The try's answer, on its one row (no row: not granted): the token, and the leftover it took over.</summary>
    public static AcquireResult ReadTry(NpgsqlDataReader reader, int key)
    {
        var token = reader.GetInt64(0);
        if (reader.IsDBNull(2))
        {
            return new AcquireResult(token, key, null, null, '\0', null);
        }

        return new AcquireResult(
            token,
            key,
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetInt64(2),
            reader.IsDBNull(3) ? '\0' : reader.GetString(3)[0],
            null);
    }

    /// <summary>The blocking acquire's answer (one row; a null token only if the function gave up).</summary>
    public static AcquireResult ReadWait(NpgsqlDataReader reader, int key) =>
        reader.IsDBNull(0) ? default : ReadTry(reader, key);

    private static async Task RunWhenReadyAsync(ValueTask<NpgsqlCommand> ready) =>
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
