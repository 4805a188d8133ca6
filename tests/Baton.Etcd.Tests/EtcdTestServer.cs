namespace Baton.Etcd.Tests;

/// <summary>
/// The etcd the tests run against: <c>BATON_TEST_ETCD_URL</c>, set by <c>scripts/servers/etcd.sh</c> (which
/// <c>scripts/test.sh</c> runs). Without it the tests fail, saying so: a backend test never passes without its server.
/// </summary>
internal static class EtcdTestServer
{
    /// <summary>The lease time of test coordinators: short, so crash release is quick, yet several keep-alives long.</summary>
    public const string Ttl = "5s";

    public static string Url { get; } = Environment.GetEnvironmentVariable("BATON_TEST_ETCD_URL") is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException(
            "BATON_TEST_ETCD_URL is not set: start etcd with scripts/servers/etcd.sh start .test-state (scripts/test.sh does) and export what it prints.");

    /// <summary>The client endpoint (host:port) of the first member, for etcdctl.</summary>
    public static string Endpoint => Url["etcd://".Length..].Split(',')[0].Split('?')[0];

    /// <summary>A URL with a key prefix of its own, so tests never see each other's keys.</summary>
    public static string NewUrl(string purpose, string? extra = null) =>
        $"{Url}?prefix=baton-test/{purpose}-{Guid.NewGuid():N}/&ttl={Ttl}{(extra is null ? string.Empty : "&" + extra)}";
}
