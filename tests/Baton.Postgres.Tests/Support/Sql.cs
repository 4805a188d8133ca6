using Npgsql;

namespace Baton.Postgres.Tests.Support;

/// <summary>Plain SQL against a test server, for what the tests do behind Baton's back (terminate sessions, count them).</summary>
internal static class Sql
{
    public static string ConnectionString(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Username = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]),
            Database = uri.AbsolutePath.TrimStart('/'),
            Pooling = false,
        };
        return builder.ConnectionString;
    }

    public static async Task<T> ScalarAsync<T>(string url, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(url));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The server process of the session that holds the name's lock.</summary>
    public static Task<int> HolderBackendPidAsync(string url, string name) =>
        ScalarAsync<int>(
            url,
            "SELECT l.pid FROM pg_locks l JOIN baton.names n ON n.id = l.objid::bigint " +
            "WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted AND n.kind = 0 AND n.slot = 0 AND n.name = $1",
            name);
}
