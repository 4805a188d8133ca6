using Xunit.Sdk;

namespace Baton.Reliability.Tests.Support;

/// <summary>
/// The shared test servers' URLs: BATON_TEST_*_URL, printed by scripts/servers/*.sh (scripts/test.sh exports them),
/// or read from the .test-state/env file that scripts/test.sh leaves. Missing, a backend test fails saying how to start
/// the server; it never skips.
/// </summary>
internal static class TestServers
{
    public static string Redis => Find("BATON_TEST_REDIS_URL", "redis");

    public static string Postgres => Find("BATON_TEST_POSTGRES_URL", "postgres");

    public static string Etcd => Find("BATON_TEST_ETCD_URL", "etcd");

    public static string ZooKeeper => Find("BATON_TEST_ZOOKEEPER_URL", "zookeeper");

    /// <summary><paramref name="url"/> with a query option added.</summary>
    public static string With(string url, string option) => url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + option;

    private static string Find(string variable, string script)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url)
        {
            return url.Trim();
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var env = Path.Combine(directory.FullName, ".test-state", "env");
            if (File.Exists(env))
            {
                var prefix = $"export {variable}=";
                if (File.ReadLines(env).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
                {
                    return line[prefix.Length..].Trim();
                }
            }
        }

        throw new XunitException(
            $"{variable} is not set: start the server with `scripts/servers/{script}.sh start .test-state` (scripts/test.sh does) and export the line it prints.");
    }
}
