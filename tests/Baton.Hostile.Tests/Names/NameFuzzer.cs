using System.Text;

namespace Baton.Hostile.Tests.Names;

/// <summary>
/// Random names from a seed: pieces that break careless paths, keys and SQL (separators, dot segments, escapes,
/// metacharacters), control and bidirectional characters, astral characters, NUL and lone surrogates, lengths
/// around the 1,024-byte limit, and pairs of names that differ only in case or Unicode normalisation.
/// The same seed always gives the same names.
/// </summary>
internal sealed class NameFuzzer(int seed)
{
    private static readonly string[] Pieces =
    [
        "/", "//", "\\", ".", "..", "../", "./", "/..", "%", "%2F", "%2e%2e", "%00", ":", "::", "*", "?", "[", "]", "{", "}",
        "'", "\"", ";", "--", "/*", "*/", "$$", "$1", "E'", "\\x00", "' OR '1'='1", "'); DROP TABLE names; --", "%s", "{0}",
        "\r\n", "\t", " ", "~", "CON", "nul", "COM1", "zookeeper", ".holds", "__lock__", "-", "_", "#", "&", "=", "+", ",", "@",
        "\u00e9", "e\u0301", "\u212b", "\u00c5", "A\u030a", "\ufb01", "fi", "\u00df", "ss", "\u0130", "i", "\u03a9", "\u2126",
        "\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u3000", "\u2028",
        "\ufffd", "\uffff", "\ufffe", "\U0001F512", "\U0010FFFF", "\U0001D11E", "\u9501", "\u0000",
    ];

    private static readonly (string, string)[] NormalisationPairs =
    [
        ("\u00e9", "e\u0301"), ("\u00c5", "A\u030a"), ("\u212b", "\u00c5"), ("\u00f1", "n\u0303"), ("\ufb01", "fi"), ("\u2126", "\u03a9"),
        ("\u212a", "K"), ("\u1e9b\u0323", "\u1e69"),
    ];

    private readonly Random _random = new(seed);

    /// <summary>About <paramref name="count"/> names, distinct (ordinal), valid and invalid mixed.</summary>
    public List<string> Names(int count)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (names.Count < count)
        {
            var name = _random.Next(10) switch
            {
                0 => Long(),
                1 => Single(),
                _ => Mixed(),
            };
            names.Add(name);

            // Pairs that a case-insensitive or normalising store would merge.
            if (_random.Next(4) == 0 && name.Length > 0)
            {
                names.Add(FlipCase(name));
            }

            if (_random.Next(6) == 0)
            {
                var (composed, decomposed) = NormalisationPairs[_random.Next(NormalisationPairs.Length)];
                names.Add(name + composed);
                names.Add(name + decomposed);
            }
        }

        return [.. names];
    }

    /// <summary>What DESIGN rule 9 says, computed apart from Baton: non-empty, no NUL, well-formed UTF-16, at most 1,024 UTF-8 bytes.</summary>
    public static bool IsValid(string name)
    {
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var bytes = 0;
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                bytes += 4;
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
            else
            {
                bytes += name[i] < 0x80 ? 1 : name[i] < 0x800 ? 2 : 3;
            }
        }

        return bytes <= 1024;
    }

    private string Mixed()
    {
        var text = new StringBuilder();
        var parts = 1 + _random.Next(8);
        for (var i = 0; i < parts; i++)
        {
            text.Append(_random.Next(6) switch
            {
                0 => Pieces[_random.Next(Pieces.Length)],
                1 => Control(),
                2 => Bmp(),
                3 => Astral(),
                4 => _random.Next(40) == 0 ? LoneSurrogate() : Ascii(1 + _random.Next(6)),
                _ => Ascii(1 + _random.Next(12)),
            });
        }

        return text.ToString();
    }

    private string Single() => _random.Next(5) switch
    {
        0 => Pieces[_random.Next(Pieces.Length)],
        1 => Control(),
        2 => Bmp(),
        3 => Astral(),
        _ => Ascii(1),
    };

    /// <summary>Lengths just under, at and over the limit, in one-, two-, three- and four-byte characters.</summary>
    private string Long()
    {
        string[] units = ["n", "\u00e9", "\u9501", "\U0001F512", "/", "%"];
        var unit = units[_random.Next(units.Length)];
        var unitBytes = Encoding.UTF8.GetByteCount(unit);
        var repeat = (1024 / unitBytes) + _random.Next(-2, 3);
        var text = string.Concat(Enumerable.Repeat(unit, Math.Max(1, repeat)));
        return _random.Next(3) == 0 ? text + Ascii(1 + _random.Next(3)) : text;
    }

    private string Ascii(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)_random.Next(0x20, 0x7f);
        }

        return new string(chars);
    }

    private string Control() => ((char)(_random.Next(3) switch
    {
        0 => _random.Next(1, 0x20),
        1 => 0x7f,
        _ => _random.Next(0x80, 0xa0),
    })).ToString();

    private string Bmp()
    {
        while (true)
        {
            var c = (char)_random.Next(0xa0, 0x10000);
            if (!char.IsSurrogate(c))
            {
                return c.ToString();
            }
        }
    }

    private string Astral() => char.ConvertFromUtf32(_random.Next(0x10000, 0x110000));

    private string LoneSurrogate() => ((char)_random.Next(0xd800, 0xe000)).ToString();

    private static string FlipCase(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
        }

        return new string(chars);
    }
}
