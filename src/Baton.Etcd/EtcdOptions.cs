using System.Globalization;
using Baton.Backends;

namespace Baton.Etcd;

/// <summary>
/// What an <c>etcd://</c> or <c>etcds://</c> URL asks for: <c>etcd://[user:password@]host:port[,host:port…][?prefix=baton/&amp;ttl=15s]</c>;
/// <c>etcds://…?cacert=PATH</c> trusts the CA in that PEM file instead of the system's roots.
/// </summary>
internal sealed record EtcdOptions(
    IReadOnlyList<(string Host, int Port)> Endpoints,
    bool UseTls,
    string? UserName,
    string? Password,
    string Prefix,
    TimeSpan Ttl,
    string DisplayUrl,
    string? CaCertificatePath = null)
{
    /// <summary>The default lease time: DESIGN.md's session time of lease-based backends.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(15);

    /// <summary>The prefix of every key Baton writes unless <c>?prefix=</c> says otherwise.</summary>
    public const string DefaultPrefix = "baton/";

    private const int DefaultPort = 2379;

    /// <summary>Reads the URL; any mistake is an <see cref="ArgumentException"/> naming it, without the password.</summary>
    public static EtcdOptions Parse(BackendUrl url)
    {
        if (url.Hosts.Count == 0)
        {
            throw new ArgumentException($"'{url}' names no etcd endpoint: use etcd://host:port[,host:port…].", nameof(url));
        }

        if (url.Path.Length > 0 && url.Path != "/")
        {
            throw new ArgumentException($"'{url}' has a path ('{url.Path}'), but etcd URLs take none: set the key prefix with ?prefix=.", nameof(url));
        }

        var endpoints = url.Hosts.Select(host => ParseEndpoint(url, host)).ToArray();
        var prefix = DefaultPrefix;
        var ttl = DefaultTtl;
        string? user = url.UserName, password = url.Password, caCertificate = null;
        foreach (var (key, value) in url.Query)
        {
            switch (key.ToLowerInvariant())
            {
                case "prefix":
                    prefix = value;
                    if (prefix.Contains('\0', StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"'{url}' has a prefix with a NUL character; Baton keeps its records under the prefix followed by NUL.", nameof(url));
                    }

                    break;
                case "ttl":
                    ttl = ParseTtl(url, value);
                    break;
                case "username":
                    user = value.Length > 0 ? value : null;
                    break;
                case "password":
                    password = value;
                    break;
                case "cacert":
                    caCertificate = value.Length > 0 ? value : throw new ArgumentException($"'{url}' has an empty cacert: give the path of a PEM file.", nameof(url));
                    break;
                default:
                    throw new ArgumentException($"'{url}' has the unknown option '{key}'. etcd URLs take prefix, ttl, username, password and (etcds://) cacert.", nameof(url));
            }
        }

        if (password is not null && user is null)
        {
            throw new ArgumentException($"'{url}' gives a password but no user name.", nameof(url));
        }

        if (caCertificate is not null && url.Scheme != "etcds")
        {
            throw new ArgumentException($"'{url}' gives a cacert but does not use TLS: use etcds://.", nameof(url));
        }

        return new EtcdOptions(endpoints, url.Scheme == "etcds", user, password, prefix, ttl, url.ToString(), caCertificate);
    }

    private static (string Host, int Port) ParseEndpoint(BackendUrl url, string endpoint)
    {
        // An IPv6 address is [address] or [address]:port; any other bracket is a typo that would only fail at connect time.
        var close = endpoint.IndexOf(']', StringComparison.Ordinal);
        if (endpoint.LastIndexOf('[') > 0 || (endpoint.StartsWith('[') ? close < 0 || endpoint.LastIndexOf(']') != close : close >= 0))
        {
            throw new ArgumentException($"'{url}' has an invalid endpoint '{endpoint}': an IPv6 address is written [address]:port.", nameof(url));
        }

        var colon = endpoint.LastIndexOf(':');
        var bracketed = endpoint.StartsWith('[');
        if (colon < 0 || (bracketed && colon < endpoint.IndexOf(']', StringComparison.Ordinal)))
        {
            return (endpoint, DefaultPort);
        }

        var host = endpoint[..colon];
        if (host.Length == 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{url}' has an invalid endpoint '{endpoint}': expected host:port with a port from 1 to 65535.", nameof(url));
        }

        return (host, port);
    }

    private static TimeSpan ParseTtl(BackendUrl url, string value)
    {
        if (!BackendUrl.TryParseDuration(value, out var ttl))
        {
            throw new ArgumentException($"'{url}' has an invalid ttl '{value}': expected seconds such as 15s (or 15), at least 2s.", nameof(url));
        }

        if (ttl < TimeSpan.FromSeconds(2) || ttl > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"'{url}' has a ttl of {value}; etcd leases here take 2s to 1h (etcd counts whole seconds).", nameof(url));
        }

        return TimeSpan.FromSeconds(Math.Ceiling(ttl.TotalSeconds));
    }
}
