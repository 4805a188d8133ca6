using Npgsql;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// The PostgreSQL floor: <c>pg_advisory_lock($1)</c> + <c>pg_advisory_unlock($1)</c> issued directly through Npgsql,
/// prepared, one connection per client. What any advisory-lock library must at least spend: two round trips.
/// </summary>
internal sealed class NpgsqlAdvisorySubject(string url) : InProcessSubject("npgsql-advisory")
{
    private readonly string _connectionString = PostgresUrls.ConnectionString(url);

    public override async ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        var key = PostgresUrls.Key(lockName);
        var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new NpgsqlParameter<long> { TypedValue = key } } };
        var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new NpgsqlParameter<long> { TypedValue = key } } };
        await acquire.PrepareAsync(cancellationToken);
        await release.PrepareAsync(cancellationToken);
        return new Client(connection, acquire, release);
    }

    private sealed class Client(NpgsqlConnection connection, NpgsqlCommand acquire, NpgsqlCommand release) : ILockClient
    {
        public async ValueTask AcquireAsync() => await acquire.ExecuteNonQueryAsync();

        public async ValueTask ReleaseAsync() => await release.ExecuteNonQueryAsync();

        public async ValueTask DisposeAsync()
        {
            await acquire.DisposeAsync();
            await release.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
