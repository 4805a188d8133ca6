using StackExchange.Redis;

namespace Baton.Hostile.Tests.Support;

/// <summary>
/// A key prefix of its own in a database no other test uses: every key of that database (read with SCAN) must carry a
/// hostile test's prefix, and a held name must have keys under this one.
/// </summary>
internal sealed class RedisNamespace : Namespace
{
    /// <summary>The database of these tests on the shared server (others use 0 or private servers).</summary>
    private const int Database = 13;
    private const string SharedPrefix = "hostile-";

    private readonly ConnectionMultiplexer _admin;
    private readonly string _prefix = $"{SharedPrefix}{Guid.NewGuid():N}:";
    private HashSet<string> _snapshot = [];

    private RedisNamespace(ConnectionMultiplexer admin) => _admin = admin;

    public override string Url => $"{TestServers.Redis}/{Database}?prefix={_prefix}";

    public static async Task<RedisNamespace> CreateAsync() =>
        new(await ConnectionMultiplexer.ConnectAsync(TestServers.HostPort(TestServers.Redis)));

    public override async Task SnapshotAsync() => _snapshot = [.. (await KeysAsync()).Where(k => k.StartsWith(_prefix, StringComparison.Ordinal))];

    public override async Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names)
    {
        var keys = await KeysAsync();
        var problems = Outside(keys);
        var mine = keys.Count(k => k.StartsWith(_prefix, StringComparison.Ordinal));
        if (mine < names.Count)
        {
            problems.Add($"{names.Count} names are held but only {mine} keys carry the prefix.");
        }

        return problems;
    }

    public override async Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names) => Outside(await KeysAsync());

    public override async ValueTask DisposeAsync() => await _admin.DisposeAsync();

    private static List<string> Outside(List<string> keys) =>
        [.. keys.Where(k => !k.StartsWith(SharedPrefix, StringComparison.Ordinal)).Take(5).Select(k => $"A key outside every prefix: {Show.Name(k)}.")];

    private async Task<List<string>> KeysAsync()
    {
        var server = _admin.GetServers()[0];
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(Database, "*", pageSize: 1000))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }
}
