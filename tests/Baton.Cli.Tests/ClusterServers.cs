namespace Baton.Cli.Tests;

/// <summary>The etcd and ZooKeeper servers the test script starts (scripts/servers/*.sh), as URLs of a test's own.</summary>
internal static class ClusterServers
{
    /// <summary>The test server's URL with a key prefix of this test's own and a short session.</summary>
    /// <param name="backend"><c>etcd</c> or <c>zookeeper</c>.</param>
    public static string TestUrl(string backend)
    {
        var variable = backend == "etcd" ? "BATON_TEST_ETCD_URL" : "BATON_TEST_ZOOKEEPER_URL";
        var url = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set
            ? set
            : throw new InvalidOperationException($"{variable} is not set: start the server with scripts/servers/{backend}.sh (scripts/test.sh does).");
        return backend == "etcd"
            ? $"{url}?prefix=baton-cli-test/{Guid.NewGuid():N}/&ttl=5s"
            : $"{url}?prefix=/baton-cli-test/{Guid.NewGuid():N}&ttl=4s";
    }
}
