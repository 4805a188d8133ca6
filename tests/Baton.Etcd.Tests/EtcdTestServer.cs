namespace Baton.Etcd.Tests;

/// <summary>
/// The etcd the tests run against (<see cref="Baton.Conformance.Servers.TestServerUrls.Etcd"/>). Without it the tests
/// fail, saying so: a backend test never passes without its server.
/// </summary>
internal static class EtcdTestServer
{
    /// <summary>The lease time of test coordinators: short, so crash release is quick, yet several keep-alives long.</summary>
    public const string Ttl = "5s";

    public static string Url { get; } = Baton.Conformance.Servers.TestServerUrls.Etcd;

    /// <summary>The client endpoint (host:port) of the first member, for etcdctl.</summary>
    public static string Endpoint => Url["etcd://".Length..].Split(',')[0].Split('?')[0];

    /// <summary>A URL with a key prefix of its own, so tests never see each other's keys.</summary>
    public static string NewUrl(string purpose, string? extra = null) =>
        $"{Url}?prefix=baton-test/{purpose}-{Guid.NewGuid():N}/&ttl={Ttl}{(extra is null ? string.Empty : "&" + extra)}";
}
