namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>
/// The ZooKeeper the backend tests run against: <c>BATON_TEST_ZOOKEEPER_URL</c>, set by <c>scripts/servers/zookeeper.sh</c>
/// (which <c>scripts/test.sh</c> runs). Without it the tests fail, saying so: a backend test never passes without its server.
/// </summary>
internal static class ZooKeeperUrls
{
    /// <summary>The session timeout of test coordinators: short, so crash release is quick, yet several pings long.</summary>
    public const string Ttl = "4s";

    public static string Url { get; } = Environment.GetEnvironmentVariable("BATON_TEST_ZOOKEEPER_URL") is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException(
            "BATON_TEST_ZOOKEEPER_URL is not set: start ZooKeeper with scripts/servers/zookeeper.sh start .test-state (scripts/test.sh does) and export what it prints.");

    /// <summary>host:port of the server, for kazoo.</summary>
    public static string HostPort => Url["zookeeper://".Length..].Split('/')[0].Split('?')[0];

    /// <summary>A URL with a prefix of its own, so tests never see each other's nodes.</summary>
    public static string NewUrl(string purpose, string? extra = null) =>
        $"{Url}?prefix=/baton-test/{purpose}-{Guid.NewGuid():N}&ttl={Ttl}{(extra is null ? string.Empty : "&" + extra)}";

    /// <summary>The prefix of a URL made by <see cref="NewUrl"/>.</summary>
    public static string PrefixOf(string url) => url.Split("prefix=")[1].Split('&')[0];
}
