using System.Net;
using Baton.ZooKeeper.Client;

namespace Baton.ZooKeeper.Tests.Support;

/// <summary>
/// The ZooKeeper the tests run against (<see cref="Baton.Conformance.Servers.TestServerUrls.ZooKeeper"/>). Without it the
/// tests fail, saying so: a backend test never passes without its server.
/// </summary>
internal static class ZooKeeperTestServer
{
    public static string Url { get; } = Baton.Conformance.Servers.TestServerUrls.ZooKeeper;

    /// <summary>The servers of <see cref="Url"/> (<c>zookeeper://h1:p1,h2:p2[/chroot]</c>).</summary>
    public static IReadOnlyList<DnsEndPoint> Servers { get; } = ParseServers(Url);

    /// <summary>Options for the shared server, with a short session so that crash tests are quick.</summary>
    public static ZooKeeperClientOptions Options(string? chroot = null, TimeSpan? sessionTimeout = null) => new()
    {
        Servers = Servers,
        Chroot = chroot,
        SessionTimeout = sessionTimeout ?? TimeSpan.FromSeconds(4),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public static Task<ZooKeeperClient> ConnectAsync(string? chroot = null, TimeSpan? sessionTimeout = null) =>
        ZooKeeperClient.ConnectAsync(Options(chroot, sessionTimeout), CancellationToken.None);

    /// <summary>A fresh path of the test's own under <c>/baton-test</c>, created with its ancestors.</summary>
    public static async Task<string> NewPathAsync(ZooKeeperClient client, string purpose)
    {
        var path = $"/baton-test/{purpose}-{Guid.NewGuid():N}";
        await client.EnsurePathAsync(path, CancellationToken.None);
        return path;
    }

    internal static IReadOnlyList<DnsEndPoint> ParseServers(string url)
    {
        var rest = url["zookeeper://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var hosts = slash < 0 ? rest : rest[..slash];
        return [.. hosts.Split(',').Select(host =>
        {
            var colon = host.LastIndexOf(':');
            return new DnsEndPoint(host[..colon], int.Parse(host[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        })];
    }
}
