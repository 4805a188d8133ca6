using System.Data;
using Npgsql;

namespace Baton.Postgres.Sessions;

/// <summary>
/// The hot-path statements of one session as commands made and prepared once, their parameters reused: an
/// acquire or release then costs the round trip and little else (no command, parameter or SQL lookup per call).
/// Used only under the session's one-statement-at-a-time gate.
/// </summary>
internal sealed class SessionCommands(NpgsqlConnection connection, Statements statements)
{
    private Prepared? _tryExclusive;
    private Prepared? _tryShared;
    private Prepared? _releaseExclusive;
    private Prepared? _releaseShared;

    /// <summary>Tries the lock; the token and the leftover it took over, or nothing (not granted).</summary>
    public async Task<AcquireResult> TryAsync(int key, bool shared)
    {
        var prepared = shared
            ? _tryShared ??= new Prepared(connection, statements.TryShared, statements.Keyspace, withToken: false)
            : _tryExclusive ??= new Prepared(connection, statements.TryExclusive, statements.Keyspace, withToken: false);
        await prepared.ReadyAsync(key, 0).ConfigureAwait(false);
        await using var reader = await prepared.Command.ExecuteReaderAsync(CommandBehavior.SingleRow).ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            return default;
        }

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

    /// <summary>Ends a hold of this session: its row, then the lock.</summary>
    public async Task ReleaseAsync(int key, bool shared, long token)
    {
        var prepared = shared
            ? _releaseShared ??= new Prepared(connection, statements.ReleaseShared, statements.Keyspace, withToken: true)
            : _releaseExclusive ??= new Prepared(connection, statements.ReleaseExclusive, statements.Keyspace, withToken: true);
        await prepared.ReadyAsync(key, token).ConfigureAwait(false);
        await prepared.Command.ExecuteNonQueryAsync().ConfigureAwait(false);
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

        public NpgsqlCommand Command { get; }

        public Task ReadyAsync(int key, long token)
        {
            _key.TypedValue = key;
            _token?.TypedValue = token;
            if (_isPrepared)
            {
                return Task.CompletedTask;
            }

            _isPrepared = true;
            return Command.PrepareAsync();
        }
    }
}
