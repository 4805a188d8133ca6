using Xunit.Sdk;

namespace Baton.Hostile.Tests.Support;

/// <summary>
/// The shared test servers: <c>BATON_TEST_{REDIS,POSTGRES,ETCD,ZOOKEEPER}_URL</c>, printed by <c>scripts/servers/*.sh</c> and
/// exported by <c>scripts/test.sh</c> (a developer's plain <c>dotnet test</c> after it finds them in <c>.test-state/env</c>).
/// Without one, the tests of that backend fail saying how to start it: a green run means every backend was tested.
/// </summary>
internal static class TestServers
{
    public static string Redis => Find("BATON_TEST_REDIS_URL", "redis");

    public static string Postgres => Find("BATON_TEST_POSTGRES_URL", "postgres");

    public static string Etcd => Find("BATON_TEST_ETCD_URL", "etcd");

    public static string ZooKeeper => Find("BATON_TEST_ZOOKEEPER_URL", "zookeeper");

    /// <summary>The first host:port of a server URL.</summary>
    public static string HostPort(string url) => url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/', '?')[0].Split('@')[^1].Split(',')[0];

    private static string Find(string variable, string script)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url)
        {
            return url.Trim().TrimEnd('/');
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var env = Path.Combine(directory.FullName, ".test-state", "env");
            if (File.Exists(env))
            {
                var prefix = $"export {variable}=";
                foreach (var line in File.ReadLines(env))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line[prefix.Length..].Trim().TrimEnd('/');
                    }
                }
            }
        }

        throw new XunitException(
            $"{variable} is not set, so there is no {script} server to test against: run ./scripts/test.sh, or "
            + $"`bash scripts/servers/{script}.sh start .test-state` and export the line it prints.");
    }
}
