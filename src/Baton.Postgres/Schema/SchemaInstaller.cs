using Baton.Postgres.Options;
using Npgsql;

namespace Baton.Postgres.Schema;

/// <summary>
/// Creates Baton's schema objects on first use: idempotent statements in one transaction, serialized between
/// concurrent first users by a transaction-level advisory lock. Skipped when the current version is there.
/// </summary>
internal static class SchemaInstaller
{
    public static async Task EnsureAsync(NpgsqlConnection connection, PostgresBackendOptions options, CancellationToken cancellationToken)
    {
        if (await IsInstalledAsync(connection, options, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var guard = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, 0)", connection, transaction)
            {
                Parameters = { new NpgsqlParameter<int> { TypedValue = options.Keyspace } },
            })
            {
                await guard.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var create = new NpgsqlCommand(SchemaScript.Create(options.QuotedSchema), connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new BackendUnavailableException(
                $"{options.Display}: the PostgreSQL user may not create Baton's objects in schema \"{options.Schema}\" ({e.MessageText}). " +
                $"Grant it CREATE on the database (or on an existing schema \"{options.Schema}\"), have a privileged user connect once to create them, " +
                "or choose a schema it owns with ?schema=.",
                e);
        }
    }

    private static async Task<bool> IsInstalledAsync(NpgsqlConnection connection, PostgresBackendOptions options, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regproc($1) IS NOT NULL", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = options.QuotedSchema + "." + SchemaScript.Marker } },
        };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
