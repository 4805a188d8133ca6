using System.Globalization;
using System.Text;

namespace Baton.Postgres.Holds;

/// <summary>
/// A member identity as one text column: host, process id, process name and custom id separated by tabs,
/// with <c>\</c> and tab escaped, and a group member's capabilities (JSON) as a fifth field when it has any (readers
/// of four fields still read the rest alike).
/// </summary>
internal static class MemberCodec
{
    public static string Encode(MemberIdentity member)
    {
        var text = string.Join('\t', Escape(member.Host), member.ProcessId.ToString(CultureInfo.InvariantCulture), Escape(member.ProcessName), member.CustomId is null ? "" : "=" + Escape(member.CustomId));
        return member.Capabilities is null ? text : text + "\t" + Escape(member.Capabilities);
    }

    /// <summary>The identity, or a placeholder naming the session when the text is not Baton's.</summary>
    public static MemberIdentity Decode(string? text, int backendPid)
    {
        var parts = text?.Split('\t');
        if (parts is not { Length: 4 or 5 } || !int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pid))
        {
            return new MemberIdentity("?", 0, $"postgres backend {backendPid}");
        }

        return new MemberIdentity(Unescape(parts[0]), pid, Unescape(parts[2]), parts[3].Length == 0 ? null : Unescape(parts[3][1..]))
        {
            Capabilities = parts.Length == 5 ? Unescape(parts[4]) : null,
        };
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);

    private static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                builder.Append(text[i] == 't' ? '\t' : text[i]);
            }
            else
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }
}
