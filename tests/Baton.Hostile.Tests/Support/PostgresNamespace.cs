using Npgsql;

namespace Baton.Hostile.Tests.Support;

/// <summary>
/// A schema of its own: its name table holds exactly the names given, verbatim (an SQL metacharacter is only a
/// character), its tables are the same after as before, and no hold row is left marked held after release.
/// </summary>
internal sealed class PostgresNamespace : Namespace
{
    private readonly string _schema = $"hostile_{Guid.NewGuid():N}";
    private HashSet<string> _names = [];
    private HashSet<string> _relations = [];

    public override string Url => $"{TestServers.Postgres}?schema={_schema}";

    public override async Task SnapshotAsync()
    {
        _names = await StringsAsync($"SELECT DISTINCT name FROM {_schema}.names");
        _relations = await RelationsAsync();
    }

    public override async Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names)
    {
        var problems = new List<string>();
        var stored = await StringsAsync($"SELECT DISTINCT name FROM {_schema}.names");
        stored.ExceptWith(_names);
        var expected = names.ToHashSet(StringComparer.Ordinal);
        problems.AddRange(stored.Except(expected).Take(5).Select(n => $"The name table has {Show.Name(n)}, which was never given."));
        problems.AddRange(expected.Except(stored).Take(5).Select(n => $"The name table lacks {Show.Name(n)}, which is held."));
        var held = await CountAsync($"SELECT count(*) FROM {_schema}.holds WHERE held");
        if (held != names.Count)
        {
            problems.Add($"{names.Count} names are held but {held} hold rows are marked held.");
        }

        return problems;
    }

    public override async Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names)
    {
        var problems = new List<string>();
        var relations = await RelationsAsync();
        if (!relations.SetEquals(_relations))
        {
            problems.Add($"The schema's relations changed: now {string.Join(", ", relations.Order(StringComparer.Ordinal))}.");
        }

        var held = await CountAsync($"SELECT count(*) FROM {_schema}.holds WHERE held");
        if (held != 0)
        {
            problems.Add($"{held} hold rows are still marked held after release.");
        }

        return problems;
    }

    public override async ValueTask DisposeAsync()
    {
        await using var connection = await OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private Task<HashSet<string>> RelationsAsync() =>
        StringsAsync($"SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{_schema}'");

    private static async Task<NpgsqlConnection> OpenAsync()
    {
        var uri = new Uri(TestServers.Postgres);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port,
            Username = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]),
            Database = uri.AbsolutePath.Trim('/'),
            Pooling = false,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<HashSet<string>> StringsAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    private static async Task<long> CountAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
