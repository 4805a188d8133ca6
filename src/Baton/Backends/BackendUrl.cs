using System.Text;

namespace Baton.Backends;

/// <summary>
/// A parsed backend URL: <c>scheme://[user[:password]@]host[:port][,host[:port]…][/path][?key=value&amp;…]</c>.
/// Unlike <see cref="Uri"/> it accepts several comma-separated hosts (etcd, ZooKeeper). Its
/// <see cref="ToString"/> never shows a password.
/// </summary>
public sealed class BackendUrl
{
    /// <summary>The longest URL accepted: far more than any host list, prefix or option needs.</summary>
    internal const int MaxLength = 4096;

    private readonly string _redacted;

    private BackendUrl(
        string scheme,
        string? userName,
        string? password,
        IReadOnlyList<string> hosts,
        string path,
        IReadOnlyDictionary<string, string> query,
        string redacted)
    {
        Scheme = scheme;
        UserName = userName;
        Password = password;
        Hosts = hosts;
        Path = path;
        Query = query;
        _redacted = redacted;
    }

    /// <summary>The scheme in lower case, without <c>://</c>.</summary>
    public string Scheme { get; }

    /// <summary>The percent-decoded user name, or null.</summary>
    public string? UserName { get; }

    /// <summary>The percent-decoded password, or null. Never shown by <see cref="ToString"/>.</summary>
    public string? Password { get; }

    /// <summary>The hosts as written (<c>host</c>, <c>host:port</c>, <c>[::1]:port</c>), in order; empty when none.</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>The percent-decoded path, starting with <c>/</c>, or empty.</summary>
    public string Path { get; }

    /// <summary>The percent-decoded query parameters; keys are case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>Parses a backend URL.</summary>
    /// <param name="url">The URL.</param>
    /// <exception cref="ArgumentException">The URL is malformed; the message says where, without the password.</exception>
    public static BackendUrl Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Length > MaxLength)
        {
            // Refused whole: every later message quotes the URL, and a megabyte of it in each would bury the problem.
            throw new ArgumentException(
                $"'{Shorten(Redact(url))}' is {url.Length:N0} characters long; a backend URL has at most {MaxLength:N0}.", nameof(url));
        }

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new ArgumentException(
                $"'{Redact(url)}' is not a backend URL: expected scheme://…, for example memory:// or redis://127.0.0.1:6379. {BackendRegistry.DescribeKnownSchemes()}",
                nameof(url));
        }

        var scheme = url[..schemeEnd].ToLowerInvariant();
        foreach (var c in scheme)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                throw new ArgumentException($"'{Redact(url)}' has an invalid scheme '{scheme}'. {BackendRegistry.DescribeKnownSchemes()}", nameof(url));
            }
        }

        var rest = url[(schemeEnd + 3)..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var queryText = queryStart >= 0 ? rest[(queryStart + 1)..] : string.Empty;
        if (queryStart >= 0)
        {
            rest = rest[..queryStart];
        }

        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = pathStart >= 0 ? rest[..pathStart] : rest;
        var path = pathStart >= 0 ? Decode(rest[pathStart..], url) : string.Empty;

        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            user = Decode(colon >= 0 ? userInfo[..colon] : userInfo, url);
            password = colon >= 0 ? Decode(userInfo[(colon + 1)..], url) : null;
            if (user.Length == 0)
            {
                user = null;
            }
        }

        var hosts = authority.Length == 0
            ? Array.Empty<string>()
            : authority.Split(',');
        foreach (var host in hosts)
        {
            if (host.Length == 0)
            {
                throw new ArgumentException($"'{Redact(url)}' has an empty host in its host list.", nameof(url));
            }
        }

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in queryText.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(eq >= 0 ? pair[..eq] : pair, url);
            var value = eq >= 0 ? Decode(pair[(eq + 1)..], url) : string.Empty;
            if (!query.TryAdd(key, value))
            {
                throw new ArgumentException($"'{Redact(url)}' sets the query parameter '{key}' twice.", nameof(url));
            }
        }

        return new BackendUrl(scheme, user, password, hosts, path, query, Redact(url));
    }

    /// <summary>
    /// Hides the password of a URL (in the user info and in <c>password=</c> query parameters) so it
    /// can appear in messages and logs. Works on malformed URLs too.
    /// </summary>
    /// <param name="url">Any URL-like text.</param>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var result = new StringBuilder(url.Length);
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var authorityStart = schemeEnd >= 0 ? schemeEnd + 3 : 0;

        // The user info ends at the last '@': a password may hold an unescaped '?', '/' or '#', and none of it may
        // show. File URLs have no user info; their paths may hold ':' and '@'.
        var isFile = url.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        var at = isFile ? -1 : url.LastIndexOf('@');
        var queryStart = url.IndexOf('?', Math.Max(authorityStart, at + 1));
        var head = queryStart >= 0 ? url[..queryStart] : url;
        if (at >= authorityStart)
        {
            var colon = head.IndexOf(':', authorityStart);
            result.Append(colon >= 0 && colon < at ? head[..(colon + 1)] + "***" + head[at..] : head);
        }
        else
        {
            result.Append(head);
        }

        if (queryStart >= 0)
        {
            result.Append('?');
            var first = true;
            foreach (var pair in url[(queryStart + 1)..].Split('&'))
            {
                if (!first)
                {
                    result.Append('&');
                }

                first = false;
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = eq >= 0 ? pair[..eq] : pair;
                result.Append(IsSecretKey(DecodeLeniently(key)) && eq >= 0 ? key + "=***" : pair);
            }
        }

        return result.ToString();
    }

    /// <summary>The URL with its password hidden.</summary>
    public override string ToString() => _redacted;

    /// <summary>Reads a query parameter, or null when absent.</summary>
    /// <param name="key">The parameter name (case-insensitive).</param>
    public string? GetQuery(string key) => Query.TryGetValue(key, out var value) ? value : null;

    /// <summary>
    /// Reads a duration as DESIGN.md writes them, for backend options such as <c>?ttl=</c> (and the command line):
    /// <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, or a plain number of seconds (<c>1.5</c>). No sign, no spaces,
    /// no combinations. The caller checks the range its option allows.
    /// </summary>
    /// <param name="text">The text to read.</param>
    /// <param name="value">The duration, when the text is one.</param>
    /// <returns>False when the text is not a duration (or exceeds what a <see cref="TimeSpan"/> holds).</returns>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        var (number, unitMilliseconds) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1d),
            _ when text.EndsWith('s') => (text[..^1], 1_000d),
            _ when text.EndsWith('m') => (text[..^1], 60_000d),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000d),
            _ => (text, 1_000d),
        };

        if (number.Length == 0
            || !(char.IsAsciiDigit(number[0]) || number[0] == '.')
            || !double.TryParse(number, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var amount)
            || double.IsNaN(amount) || double.IsInfinity(amount) || amount * unitMilliseconds > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(Math.Round(amount * unitMilliseconds));
        return true;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    /// <summary>A key as <see cref="Parse"/> reads it (<c>pass%77ord</c> is <c>password</c>), or as written when its escapes are broken.</summary>
    private static string DecodeLeniently(string key)
    {
        try
        {
            return Uri.UnescapeDataString(key);
        }
        catch (UriFormatException)
        {
            return key;
        }
    }

    private static bool IsSecretKey(string key) =>
        key.Equals("password", StringComparison.OrdinalIgnoreCase)
        || key.Equals("pass", StringComparison.OrdinalIgnoreCase)
        || key.Equals("pwd", StringComparison.OrdinalIgnoreCase)
        || key.Equals("secret", StringComparison.OrdinalIgnoreCase)
        || key.Equals("token", StringComparison.OrdinalIgnoreCase);

    private static string Decode(string text, string url)
    {
        for (var i = text.IndexOf('%', StringComparison.Ordinal); i >= 0; i = text.IndexOf('%', i + 1))
        {
            if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
            {
                throw new ArgumentException(
                    $"'{Redact(url)}' contains an invalid percent-escape: '%' must be followed by two hex digits.", nameof(url));
            }
        }

        return Uri.UnescapeDataString(text);
    }
}
