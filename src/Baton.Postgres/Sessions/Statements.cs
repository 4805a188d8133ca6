using Npgsql;
using NpgsqlTypes;

namespace Baton.Postgres.Sessions;

/// <summary>What an acquiring statement answers: nothing (not granted), or the token and the leftover it replaced.</summary>
internal readonly record struct AcquireResult(long? Token, int SlotKey, string? PreviousMember, long? PreviousToken, bool PreviousAbandoned, int? OtherCount);

/// <summary>The statements of the backend: one round trip each, parameters bound, prepared automatically.</summary>
internal sealed class Statements(string schema, int keyspace)
{
    private readonly string _acquire = $"SELECT o_token, o_prev_member, o_prev_token, o_prev_ended::text FROM {schema}.acquire($1, $2, $3, $4, $5)";
    private readonly string _acquireSlot = $"SELECT o_token, o_slot_key, o_prev_member, o_prev_token, o_prev_ended::text, o_other_count FROM {schema}.acquire_slot($1, $2, $3, $4, $5)";
    private readonly string _release = $"SELECT {schema}.release($1, $2, $3, $4)";
    private readonly string _keys = $"SELECT {schema}.keys($1, $2, $3, $4)";
    private readonly string _tryUpgrade = $"SELECT o_outcome::text, o_token FROM {schema}.try_upgrade($1, $2, $3, $4, $5)";
    private readonly string _finishUpgrade = $"SELECT {schema}.finish_upgrade($1, $2, $3, $4)";
    private readonly string _abortUpgrade = $"SELECT {schema}.abort_upgrade($1, $2, $3)";
    private readonly string _downgrade = $"SELECT {schema}.downgrade($1, $2, $3)";
    private readonly string _abandon = $"SELECT {schema}.abandon()";
    private readonly string _hello = $"SELECT {schema}.hello($1)";

    /// <summary>How long the head of a semaphore's queue waits on one slot before looking at all of them again.</summary>
    public const string SlotPoll = "100ms";

    public int Keyspace => keyspace;

    public async Task HelloAsync(NpgsqlConnection connection, string member, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_hello, connection) { Parameters = { Text(member) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int[]> KeysAsync(NpgsqlConnection connection, LockKind kind, string name, int first, int last, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_keys, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<short> { TypedValue = (short)(kind == LockKind.Semaphore ? 1 : 0) },
                Text(name),
                Int(first),
                Int(last),
            },
        };
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return (int[])result!;
    }

    public async Task<AcquireResult> AcquireAsync(
        NpgsqlConnection connection, int key, bool shared, bool wait, string member, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_acquire, connection)
        {
            Parameters = { Int(keyspace), Int(key), Bool(shared), Bool(wait), Text(member) },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (reader.IsDBNull(0))
        {
            return default;
        }

        return new AcquireResult(
            reader.GetInt64(0),
            key,
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            !reader.IsDBNull(3) && reader.GetString(3) == "a",
            null);
    }

    public async Task<AcquireResult> AcquireSlotAsync(
        NpgsqlConnection connection, int[] keys, bool wait, string member, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_acquireSlot, connection)
        {
            Parameters =
            {
                Int(keyspace),
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
            return new AcquireResult(null, 0, null, null, false, reader.GetInt32(5));
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
            !reader.IsDBNull(4) && reader.GetString(4) == "a",
            null);
    }

    public async Task ReleaseAsync(NpgsqlConnection connection, int key, bool shared, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_release, connection) { Parameters = { Int(keyspace), Int(key), Bool(shared), Long(token) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Outcome 'g' with the new token, 'n' (not now), 'w' (wait with <see cref="FinishUpgradeAsync"/>) or 'd' (deadlock).</summary>
    public async Task<(char Outcome, long Token)> TryUpgradeAsync(
        NpgsqlConnection connection, int key, int upgradeKey, bool wait, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_tryUpgrade, connection)
        {
            Parameters = { Int(keyspace), Int(key), Int(upgradeKey), Bool(wait), Long(token) },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetString(0)[0], reader.IsDBNull(1) ? 0 : reader.GetInt64(1));
    }

    public async Task<long> FinishUpgradeAsync(NpgsqlConnection connection, int key, int upgradeKey, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_finishUpgrade, connection) { Parameters = { Int(keyspace), Int(key), Int(upgradeKey), Long(token) } };
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task AbortUpgradeAsync(NpgsqlConnection connection, int key, int upgradeKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_abortUpgrade, connection) { Parameters = { Int(keyspace), Int(key), Int(upgradeKey) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DowngradeAsync(NpgsqlConnection connection, int key, long token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_downgrade, connection) { Parameters = { Int(keyspace), Int(key), Long(token) } };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task AbandonAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_abandon, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends every advisory lock of a session that held nothing before a cancelled wait.</summary>
    public static async Task UnlockAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter<int> Int(int value) => new() { TypedValue = value };

    private static NpgsqlParameter<long> Long(long value) => new() { TypedValue = value };

    private static NpgsqlParameter<bool> Bool(bool value) => new() { TypedValue = value };

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };
}
