using System.Security.Cryptography;
using System.Text;

namespace Baton.Files;

/// <summary>
/// Turns names into file names that stay inside the lock directory. Bytes other than ASCII letters,
/// digits, <c>-</c> and <c>_</c> become <c>%XX</c> (so <c>.</c>, <c>/</c>, <c>%</c> and control characters
/// can never form <c>..</c>, a path or a clash), which is reversible. An escape longer than
/// <see cref="MaxEscapedLength"/> becomes a readable prefix, <c>~</c> and a SHA-256 of the name; the
/// presence records keep the real name, so listings still show it.
/// </summary>
internal static class FileNames
{
    /// <summary>Escapes longer than this are shortened: file names stay far below the 255-byte NAME_MAX with suffixes.</summary>
    public const int MaxEscapedLength = 160;

    private const int ReadablePrefixLength = 96;

    public static string Escape(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var escaped = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_')
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (escaped.Length <= MaxEscapedLength)
        {
            return escaped.ToString();
        }

        // Cut before an escape that would be split, so the prefix still reads as the name's start.
        var cut = ReadablePrefixLength;
        for (var i = Math.Max(0, cut - 2); i < cut; i++)
        {
            if (escaped[i] == '%')
            {
                cut = i;
                break;
            }
        }

        return string.Concat(escaped.ToString(0, cut), "~", Convert.ToHexString(SHA256.HashData(bytes)).AsSpan(0, 40));
    }

    /// <summary>The name an escape stands for, or null when it was shortened with a hash (or is no escape).</summary>
    public static string? Unescape(string escaped)
    {
        if (escaped.Contains('~', StringComparison.Ordinal))
        {
            return null;
        }

        var bytes = new List<byte>(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '%' && i + 2 < escaped.Length
                && byte.TryParse(escaped.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                bytes.Add((byte)c);
            }
            else
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>oslo.concurrency's lock file name: <c>prefix</c> + name with <c>/</c> → <c>_</c>, a <c>-</c> between unless the prefix ends with one.</summary>
    public static string Oslo(string prefix, string name)
    {
        var file = name.Replace('/', '_');
        if (prefix.Length > 0)
        {
            file = prefix + (prefix.EndsWith('-') ? string.Empty : "-") + file;
        }

        if (file is "." or ".." || Encoding.UTF8.GetByteCount(file) > 255)
        {
            throw new ArgumentException(
                $"With layout=oslo the lock file is named after the lock itself, and '{file}' cannot be a file name (it must not be '.' or '..' and must fit in 255 bytes); use a different name or the default layout.",
                nameof(name));
        }

        return file;
    }

    /// <summary>The table entry of a name in <c>mode=table</c> (kind included, so locks, semaphores and groups differ).</summary>
    public static int TableEntry(LockKind kind, string name, int tableSize)
    {
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(FileLockTarget.KindLetter(kind) + ":" + name);
        SHA256.HashData(bytes, hash);
        return (int)(BitConverter.ToUInt32(hash) % (uint)tableSize);
    }
}
