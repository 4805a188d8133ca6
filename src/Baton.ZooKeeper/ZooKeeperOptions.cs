using System.Globalization;
using System.Net;
using Baton.Backends;

namespace Baton.ZooKeeper;

/// <summary>
/// What a <c>zookeeper://</c> URL asks for: <c>zookeeper://[user:password@]host:port[,host:port…][/chroot][?prefix=/baton&amp;ttl=15s]</c>.
/// The chroot roots every path of the session (as ZooKeeper's own connect strings do); the prefix is where Baton's
/// nodes live under it; a user and password authenticate with ZooKeeper's digest scheme.
/// </summary>
internal sealed record ZooKeeperOptions(
    IReadOnlyList<DnsEndPoint> Servers,
    string? Chroot,
    string Prefix,
    TimeSpan SessionTimeout,
    string? UserName,
    string? Password,
    string DisplayUrl)
{
    /// <summary>DESIGN.md's session time of lease-based backends.</summary>
    public static readonly TimeSpan DefaultSessionTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Where Baton's nodes live unless <c>?prefix=</c> says otherwise.</summary>
    public const string DefaultPrefix = "/baton";

    private const int DefaultPort = 2181;

    /// <summary>Reads the URL; any mistake is an <see cref="ArgumentException"/> naming it, without the password.</summary>
    public static ZooKeeperOptions Parse(BackendUrl url)
    {
        if (url.Hosts.Count == 0)
        {
            throw new ArgumentException($"'{url}' names no ZooKeeper server: use zookeeper://host:port[,host:port…][/chroot].", nameof(url));
        }

        var servers = url.Hosts.Select(host => ParseServer(url, host)).ToArray();
        string? chroot = null;
        if (url.Path.Length > 0 && url.Path != "/")
        {
            chroot = url.Path.TrimEnd('/');
            if (ProblemWith(chroot) is { } problem)
            {
                throw new ArgumentException($"'{url}' has an invalid chroot '{url.Path}': {problem}.", nameof(url));
            }
        }

        var prefix = DefaultPrefix;
        var timeout = DefaultSessionTimeout;
        string? user = url.UserName, password = url.Password;
        foreach (var (key, value) in url.Query)
        {
            switch (key.ToLowerInvariant())
            {
                case "prefix":
                    prefix = value.TrimEnd('/');
                    if (ProblemWith(prefix) is { } problem)
                    {
                        throw new ArgumentException($"'{url}' has an invalid prefix '{value}': {problem} (for example ?prefix=/baton).", nameof(url));
                    }

                    break;
                case "ttl":
                    timeout = ParseSessionTimeout(url, value);
                    break;
                default:
                    throw new ArgumentException($"'{url}' has the unknown option '{key}'. ZooKeeper URLs take prefix and ttl (the session timeout).", nameof(url));
            }
        }

        if (password is not null && user is null)
        {
            throw new ArgumentException($"'{url}' gives a password but no user name.", nameof(url));
        }

        return new ZooKeeperOptions(servers, chroot, prefix, timeout, user, password, url.ToString());
    }

    /// <summary>What is wrong with a chroot or prefix: ZooKeeper's path rules, and the server's own tree is not Baton's.</summary>
    private static string? ProblemWith(string path) =>
        Client.PathRules.Problem(path)
        ?? (path == "/zookeeper" || path.StartsWith("/zookeeper/", StringComparison.Ordinal) ? "/zookeeper is the server's own tree" : null);

    private static DnsEndPoint ParseServer(BackendUrl url, string server)
    {
        // An IPv6 address is [address] or [address]:port; any other bracket is a typo that would only fail at connect time.
        var close = server.IndexOf(']', StringComparison.Ordinal);
        if (server.LastIndexOf('[') > 0 || (server.StartsWith('[') ? close < 0 || server.LastIndexOf(']') != close : close >= 0))
        {
            throw new ArgumentException($"'{url}' has an invalid server '{server}': an IPv6 address is written [address]:port.", nameof(url));
        }

        var colon = server.LastIndexOf(':');
        var bracketed = server.StartsWith('[');
        if (colon < 0 || (bracketed && colon < server.IndexOf(']', StringComparison.Ordinal)))
        {
            return new DnsEndPoint(server.Trim('[', ']'), DefaultPort);
        }

        var host = server[..colon].Trim('[', ']');
        if (host.Length == 0 || !int.TryParse(server[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{url}' has an invalid server '{server}': expected host:port with a port from 1 to 65535.", nameof(url));
        }

        return new DnsEndPoint(host, port);
    }

    private static TimeSpan ParseSessionTimeout(BackendUrl url, string value)
    {
        if (!BackendUrl.TryParseDuration(value, out var timeout))
        {
            throw new ArgumentException($"'{url}' has an invalid ttl '{value}': expected a session timeout such as 15s or 4000ms.", nameof(url));
        }

        // ZooKeeper negotiates within 2 to 20 ticks of the server; below a second no server here can honour it.
        if (timeout < TimeSpan.FromSeconds(1) || timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"'{url}' has a ttl of {value}; ZooKeeper sessions here take 1s to 1h (the server may narrow it further).", nameof(url));
        }

        return timeout;
    }
}
