using Baton.Conformance.Servers;

namespace Baton.Hostile.Tests.Support;

/// <summary>The shared test servers (<see cref="TestServerUrls"/>), and what the hostile tests take from their URLs.</summary>
internal static class TestServers
{
    public static string Redis => TestServerUrls.Redis;

    public static string Postgres => TestServerUrls.Postgres;

    public static string Etcd => TestServerUrls.Etcd;

    public static string ZooKeeper => TestServerUrls.ZooKeeper;

    /// <summary>The first host:port of a server URL.</summary>
    public static string HostPort(string url) => url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/', '?')[0].Split('@')[^1].Split(',')[0];
}
