using Xunit.Sdk;

namespace Baton.Conformance.Servers;

/// <summary>
/// The shared test servers' URLs: <c>BATON_TEST_{REDIS,POSTGRES,ETCD,ZOOKEEPER}_URL</c>, printed by
/// <c>scripts/servers/*.sh</c> and exported by <c>scripts/test.sh</c>, or, for a developer's plain <c>dotnet test</c>
/// after it, read from the <c>.test-state/env</c> file it leaves. Without one, a backend test fails saying how to start
/// the server; it never skips, so a green run means every backend was tested.
/// </summary>
public static class TestServerUrls
{
    /// <summary>The shared redis-server, such as <c>redis://127.0.0.1:46379</c>.</summary>
    public static string Redis => Find("redis");

    /// <summary>The shared PostgreSQL server.</summary>
    public static string Postgres => Find("postgres");

    /// <summary>The shared etcd.</summary>
    public static string Etcd => Find("etcd");

    /// <summary>The shared ZooKeeper.</summary>
    public static string ZooKeeper => Find("zookeeper");

    /// <summary><paramref name="url"/> with a query option added.</summary>
    public static string With(string url, string option)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + option;
    }

    /// <summary>The URL of the server that <c>scripts/servers/SCRIPT.sh</c> starts (redis, postgres, etcd, zookeeper).</summary>
    public static string Find(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var variable = $"BATON_TEST_{script.ToUpperInvariant()}_URL";
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url && !string.IsNullOrWhiteSpace(url))
        {
            return Clean(url);
        }

        var prefix = $"export {variable}=";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var env = Path.Combine(directory.FullName, ".test-state", "env");
            if (File.Exists(env) && File.ReadLines(env).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
            {
                return Clean(line[prefix.Length..]);
            }
        }

        throw new XunitException(
            $"{variable} is not set, so there is no {script} server to test against: run ./scripts/test.sh, or "
            + $"`bash scripts/servers/{script}.sh start .test-state` (it prints the line to export).");
    }

    private static string Clean(string url) => url.Trim().TrimEnd('/');
}
