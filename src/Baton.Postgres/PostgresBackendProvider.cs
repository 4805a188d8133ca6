using Baton.Backends;
using Baton.Postgres.Options;

namespace Baton.Postgres;

/// <summary>
/// <c>postgres://user:password@host:port/database</c> (also <c>postgresql://</c>): session-bound advisory locks
/// on PostgreSQL 12 or later. Options: <c>sslmode</c>, <c>schema</c>, <c>keyspace</c>, <c>maxWaitingSessions</c>,
/// <c>checkInterval</c>; see docs/backends/postgres.md.
/// </summary>
public sealed class PostgresBackendProvider : IBackendProvider
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["postgres", "postgresql"];

    /// <inheritdoc />
    public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = PostgresBackendOptions.Parse(context.Url, context.Member);
        try
        {
            return await PostgresBackend.ConnectAsync(options, context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new BackendUnavailableException($"Could not connect to PostgreSQL at {options.Display}: {e.Message}", e);
        }
    }
}
