using System.Globalization;
using Baton.Backends;

namespace Baton.Redis.Connection;

/// <summary>
/// The options of a <c>redis://</c> or <c>rediss://</c> URL, checked once when connecting:
/// <c>redis://[[user]:password@]host[:port][/db][?prefix=baton:&amp;ttl=15s]</c>.
/// </summary>
/// <param name="Host">The server's host name or address (IPv6 without brackets).</param>
/// <param name="Port">The server's port; 6379 when the URL names none.</param>
/// <param name="UseTls">True for <c>rediss://</c>.</param>
/// <param name="User">The ACL user, or null.</param>
/// <param name="Password">The password, or null; never shown.</param>
/// <param name="Database">The database number; 0 when the URL names none.</param>
/// <param name="Prefix">The prefix of every key and channel; default <c>baton:</c>.</param>
/// <param name="Ttl">The lease of every hold and wait; default 15 seconds, renewed every third of it.</param>
internal sealed record RedisBackendOptions(
    string Host, int Port, bool UseTls, string? User, string? Password, int Database, string Prefix, TimeSpan Ttl)
{
    /// <summary>The default lease.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(15);

    /// <summary>The shortest lease accepted: renewal every third of it must still fit round trips.</summary>
    public static readonly TimeSpan MinTtl = TimeSpan.FromMilliseconds(300);

    /// <summary>The longest lease accepted.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    /// <summary>The default key prefix.</summary>
    public const string DefaultPrefix = "baton:";

    private static readonly string[] KnownKeys = ["prefix", "ttl"];

    /// <summary>The URL, password hidden, for messages.</summary>
    public string Display { get; init; } = string.Empty;

    /// <summary>Reads and checks the URL's options.</summary>
    /// <param name="url">The parsed URL.</param>
    /// <exception cref="ArgumentException">Something is wrong; the message names it, without the password.</exception>
    public static RedisBackendOptions Parse(BackendUrl url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var useTls = url.Scheme switch
        {
            "redis" => false,
            "rediss" => true,
            _ => throw new ArgumentException($"'{url}' is not a Redis URL: use redis://host:port or rediss://host:port.", nameof(url)),
        };

        if (url.Hosts.Count != 1)
        {
            throw new ArgumentException(
                url.Hosts.Count == 0
                    ? $"'{url}' names no Redis server: use {url.Scheme}://host:port, for example {url.Scheme}://127.0.0.1:6379."
                    : $"'{url}' names {url.Hosts.Count} servers; the Redis backend talks to one server (a primary): name one host:port.",
                nameof(url));
        }

        var (host, port) = SplitHost(url.Hosts[0], url);
        var database = ParseDatabase(url);

        foreach (var key in url.Query.Keys)
        {
            if (!KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"'{url}' has the unknown option '{key}'; {url.Scheme}:// takes {string.Join(", ", KnownKeys)}.", nameof(url));
            }
        }

        var prefix = url.GetQuery("prefix") ?? DefaultPrefix;
        if (prefix.Contains('{', StringComparison.Ordinal) || prefix.Contains('}', StringComparison.Ordinal) || prefix.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{url}': the prefix must not contain '{{', '}}' or NUL (braces mark the cluster hash tag of each name's keys).", nameof(url));
        }

        if (prefix.Length > 256)
        {
            throw new ArgumentException($"'{url}': the prefix has {prefix.Length} characters; at most 256 are allowed.", nameof(url));
        }

        var ttl = DefaultTtl;
        if (url.GetQuery("ttl") is { } ttlText)
        {
            if (!BackendUrl.TryParseDuration(ttlText, out ttl))
            {
                throw new ArgumentException($"'{url}': ttl={ttlText} is not a duration; use for example ttl=15s, ttl=500ms or ttl=2m.", nameof(url));
            }

            if (ttl < MinTtl || ttl > MaxTtl)
            {
                throw new ArgumentException(
                    $"'{url}': ttl={ttlText} is out of range; the lease must be between {MinTtl.TotalMilliseconds:F0}ms and {MaxTtl.TotalHours:F0}h.", nameof(url));
            }
        }

        return new RedisBackendOptions(host, port, useTls, url.UserName, url.Password, database, prefix, ttl) { Display = url.ToString() };
    }

    private static (string Host, int Port) SplitHost(string text, BackendUrl url)
    {
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"'{url}' has an unclosed '[' in its host.", nameof(url));
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw new ArgumentException($"'{url}' has something after its IPv6 address that is not ':port'.", nameof(url));
                }

                portText = rest[1..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon >= 0 ? text[..colon] : text;
            portText = colon >= 0 ? text[(colon + 1)..] : null;
        }

        if (host.Length == 0)
        {
            throw new ArgumentException($"'{url}' has an empty host name.", nameof(url));
        }

        var port = 6379;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ArgumentException($"'{url}' has the port '{portText}'; a port is a number from 1 to 65535.", nameof(url));
        }

        return (host, port);
    }

    private static int ParseDatabase(BackendUrl url)
    {
        var path = url.Path.TrimEnd('/');
        if (path.Length == 0)
        {
            return 0;
        }

        var text = path[1..];
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var database) || database > 10_000)
        {
            throw new ArgumentException($"'{url}': the path '{url.Path}' should be a database number, such as /0 or /2.", nameof(url));
        }

        return database;
    }
}
