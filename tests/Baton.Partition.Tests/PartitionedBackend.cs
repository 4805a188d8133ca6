namespace Baton.Partition.Tests;

/// <summary>
/// A network backend under test: the shared server scripts/servers/*.sh started (its URL variable must be set: a
/// missing server fails the test, never skips it), and the options that make its leases short enough to test.
/// </summary>
/// <param name="Scheme">The URL scheme, which names the case.</param>
/// <param name="Variable">The environment variable with the server's URL.</param>
/// <param name="Options">Query options added to every URL (short leases, frequent checks).</param>
internal sealed record PartitionedBackend(string Scheme, string Variable, string Options)
{
    /// <summary>Every network backend, by scheme.</summary>
    public static IReadOnlyDictionary<string, PartitionedBackend> All { get; } = new[]
    {
        new PartitionedBackend("etcd", "BATON_TEST_ETCD_URL", "ttl=2s"),
        new PartitionedBackend("redis", "BATON_TEST_REDIS_URL", "ttl=2s"),
        new PartitionedBackend("zookeeper", "BATON_TEST_ZOOKEEPER_URL", "ttl=2s"),
        new PartitionedBackend("postgres", "BATON_TEST_POSTGRES_URL", "checkInterval=500ms"),
    }.ToDictionary(b => b.Scheme);

    /// <summary>The server's URL as exported.</summary>
    public Uri ServerUrl => new(Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url
        ? url.Trim()
        : throw new InvalidOperationException(
            $"{Variable} is not set, so there is no {Scheme} server to test against. Run the tests through scripts/test.sh, or start one with "
            + $"scripts/servers/{Scheme}.sh start .test-state and export the line it prints."));

    /// <summary>The URL a client on this side connects with, directly.</summary>
    public string DirectUrl => WithOptions(ServerUrl);

    /// <summary>The URL the holder in the namespace connects with: the same server, at <paramref name="host"/> (this side of the pair).</summary>
    public string UrlFrom(string host) => WithOptions(new UriBuilder(ServerUrl) { Host = host }.Uri);

    private string WithOptions(Uri url) => url.ToString() + (url.Query.Length > 0 ? "&" : "?") + Options;
}
