namespace Baton.Partition.Tests;

/// <summary>
/// A network backend under test: the shared server scripts/servers/*.sh started (its URL variable must be set: a
/// missing server fails the test, never skips it), and the options that make its leases short enough to test.
/// </summary>
/// <param name="Scheme">The URL scheme, which names the case.</param>
/// <param name="Options">Query options added to every URL (short leases, frequent checks).</param>
internal sealed record PartitionedBackend(string Scheme, string Options)
{
    /// <summary>Every network backend, by scheme.</summary>
    public static IReadOnlyDictionary<string, PartitionedBackend> All { get; } = new[]
    {
        new PartitionedBackend("etcd", "ttl=2s"),
        new PartitionedBackend("redis", "ttl=2s"),
        new PartitionedBackend("zookeeper", "ttl=2s"),
        new PartitionedBackend("postgres", "checkInterval=500ms"),
    }.ToDictionary(b => b.Scheme);

    /// <summary>The server's URL as exported.</summary>
    public Uri ServerUrl => new(Baton.Conformance.Servers.TestServerUrls.Find(Scheme));

    /// <summary>The URL a client on this side connects with, directly.</summary>
    public string DirectUrl => WithOptions(ServerUrl);

    /// <summary>The URL the holder in the namespace connects with: the same server, at <paramref name="host"/> (this side of the pair).</summary>
    public string UrlFrom(string host) => WithOptions(new UriBuilder(ServerUrl) { Host = host }.Uri);

    private string WithOptions(Uri url) => url.ToString() + (url.Query.Length > 0 ? "&" : "?") + Options;
}
