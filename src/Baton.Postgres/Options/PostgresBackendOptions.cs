using System.Globalization;
using Baton.Backends;
using Npgsql;

namespace Baton.Postgres.Options;

/// <summary>
/// The options of a <c>postgres://user:password@host:port/database?…</c> URL, checked once when connecting.
/// Query options: <c>sslmode</c> (disable, allow, prefer, require, verify-ca, verify-full), <c>schema</c>
/// (default <c>baton</c>), <c>keyspace</c> (the first int4 of every advisory-lock key, default 1112821248),
/// <c>maxWaitingSessions</c> (default 32), <c>checkInterval</c> (how often idle holding sessions are checked,
/// default 1s).
/// </summary>
internal sealed record PostgresBackendOptions(
    string ConnectionString, string Schema, int Keyspace, int MaxWaitingSessions, TimeSpan CheckInterval, string Display)
{
    /// <summary>"BTN\0": the default first key of Baton's advisory locks.</summary>
    public const int DefaultKeyspace = 0x42544E00;

    private static readonly string[] KnownKeys = ["sslmode", "schema", "keyspace", "maxWaitingSessions", "checkInterval"];

    /// <summary>The schema, quoted for SQL text.</summary>
    public string QuotedSchema => "\"" + Schema + "\"";

    public static PostgresBackendOptions Parse(BackendUrl url, MemberIdentity member)
    {
        if (url.Hosts.Count != 1)
        {
            throw new ArgumentException(
                $"'{url}' must name one host: postgres://user:password@host:port/database (for example postgres://app@127.0.0.1:5432/app).", nameof(url));
        }

        foreach (var key in url.Query.Keys)
        {
            if (!KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"'{url}' has the unknown option '{key}'; postgres:// takes {string.Join(", ", KnownKeys)}.", nameof(url));
            }
        }

        var (host, port) = SplitHost(url, url.Hosts[0]);
        var database = url.Path.TrimStart('/');
        if (database.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{url}': the path must be one database name, as in postgres://host:5432/mydb.", nameof(url));
        }

        var schema = url.GetQuery("schema") ?? "baton";
        if (!IsPlainIdentifier(schema))
        {
            throw new ArgumentException(
                $"'{url}': schema={schema} is not a plain identifier; use 1 to 63 lower-case letters, digits and '_', starting with a letter or '_'.", nameof(url));
        }

        var keyspace = DefaultKeyspace;
        if (url.GetQuery("keyspace") is { } keyspaceText && !int.TryParse(keyspaceText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out keyspace))
        {
            throw new ArgumentException($"'{url}': keyspace={keyspaceText} is not a 32-bit integer.", nameof(url));
        }

        var maxWaiting = 32;
        if (url.GetQuery("maxWaitingSessions") is { } maxText
            && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxWaiting) || maxWaiting < 1 || maxWaiting > 10_000))
        {
            throw new ArgumentException($"'{url}': maxWaitingSessions={maxText} must be a whole number from 1 to 10000.", nameof(url));
        }

        var check = TimeSpan.FromSeconds(1);
        if (url.GetQuery("checkInterval") is { } checkText
            && (!BackendUrl.TryParseDuration(checkText, out check) || check < TimeSpan.FromMilliseconds(10) || check > TimeSpan.FromHours(1)))
        {
            throw new ArgumentException($"'{url}': checkInterval={checkText} must be a duration from 10ms to 1h, such as 500ms, 1s or 2.5s.", nameof(url));
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Pooling = false,
            CommandTimeout = 0,
            Timeout = 15,
            TcpKeepAlive = true,
            NoResetOnClose = true,
            ApplicationName = ApplicationName(member),
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 1,

            // Baton's sessions run only its own statements, all point lookups by key: a plan made while the holds
            // table was small must not scan it whole once it has grown (plans are kept per session).
            Options = "-c enable_seqscan=off -c enable_bitmapscan=off " + ServerGivesUp(check),
        };
        if (url.UserName is not null)
        {
            builder.Username = url.UserName;
        }

        if (url.Password is not null)
        {
            builder.Password = url.Password;
        }

        if (database.Length > 0)
        {
            builder.Database = database;
        }

        if (url.GetQuery("sslmode") is { } sslText)
        {
            builder.SslMode = sslText.ToLowerInvariant() switch
            {
                "disable" => SslMode.Disable,
                "allow" => SslMode.Allow,
                "prefer" => SslMode.Prefer,
                "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => throw new ArgumentException(
                    $"'{url}': sslmode={sslText} is not known; use disable, allow, prefer, require, verify-ca or verify-full.", nameof(url)),
            };
        }

        return new PostgresBackendOptions(builder.ConnectionString, schema, keyspace, maxWaiting, check, url.ToString());
    }

    /// <summary>
    /// The settings that make the server end one of our sessions, and so free its locks, once its client has gone
    /// silent for <c>3 × checkInterval + 10 s</c> (TCP keepalives when the connection is idle, tcp_user_timeout when
    /// the server's data goes unacknowledged). Without them a partitioned holder's locks stay held for as long as the
    /// operating system keeps a silent connection: about two hours. The bound leaves the client time to report its
    /// holds lost first: it does within two check intervals and a check timeout of the network going silent, and the
    /// server may have last heard from it one interval before; the rest is a margin for late timers.
    /// </summary>
    internal static string ServerGivesUp(TimeSpan checkInterval)
    {
        var giveUp = (3 * checkInterval) + PostgresBackend.CheckTimeout + TimeSpan.FromSeconds(5);
        var seconds = (int)Math.Ceiling(giveUp.TotalSeconds);
        var idle = (seconds + 1) / 2;
        var interval = Math.Max(1, (seconds - idle + 2) / 3);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"-c tcp_keepalives_idle={idle} -c tcp_keepalives_interval={interval} -c tcp_keepalives_count=3 -c tcp_user_timeout={seconds * 1000}");
    }

    /// <summary>What pg_stat_activity shows for our sessions: "baton " and the member, cut to PostgreSQL's 63 bytes.</summary>
    internal static string ApplicationName(MemberIdentity member)
    {
        var text = "baton " + member;
        var builder = new System.Text.StringBuilder(63);
        foreach (var c in text)
        {
            if (builder.Length == 63)
            {
                break;
            }

            // Printable ASCII only: PostgreSQL replaces anything else with '?' anyway.
            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return builder.ToString();
    }

    private static (string Host, int Port) SplitHost(BackendUrl url, string text)
    {
        string host;
        var portText = (string?)null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"'{url}' has an unclosed '[' in its host.", nameof(url));
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                portText = text[(close + 1)..].TrimStart(':');
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
            throw new ArgumentException($"'{url}' has no host name.", nameof(url));
        }

        var port = 5432;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535))
        {
            throw new ArgumentException($"'{url}': the port '{portText}' must be a number from 1 to 65535.", nameof(url));
        }

        return (host, port);
    }

    private static bool IsPlainIdentifier(string text)
    {
        if (text.Length is 0 or > 63 || !(char.IsAsciiLetterLower(text[0]) || text[0] == '_'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
