namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>
/// URLs of the backend tests on the shared server (<see cref="Support.ZooKeeperTestServer.Url"/>, which fails without
/// <c>BATON_TEST_ZOOKEEPER_URL</c>): each with a prefix of its own.
/// </summary>
internal static class ZooKeeperUrls
{
    /// <summary>The session timeout of test coordinators: short, so crash release is quick, yet several pings long.</summary>
    public const string Ttl = "4s";

    public static string Url => Support.ZooKeeperTestServer.Url;

    /// <summary>host:port of the server, for kazoo.</summary>
    public static string HostPort => Url["zookeeper://".Length..].Split('/')[0].Split('?')[0];

    /// <summary>A URL with a prefix of its own, so tests never see each other's nodes.</summary>
    public static string NewUrl(string purpose, string? extra = null) =>
        $"{Url}?prefix=/baton-test/{purpose}-{Guid.NewGuid():N}&ttl={Ttl}{(extra is null ? string.Empty : "&" + extra)}";

    /// <summary>The prefix of a URL made by <see cref="NewUrl"/>.</summary>
    public static string PrefixOf(string url) => url.Split("prefix=")[1].Split('&')[0];
}
