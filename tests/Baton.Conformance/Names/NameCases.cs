namespace Baton.Conformance;

/// <summary>The names behind <see cref="UnusualName"/> and <see cref="InvalidName"/>, kept out of test data so test names stay readable.</summary>
public static class NameCases
{
    /// <summary>The valid name of a case.</summary>
    /// <param name="name">The case.</param>
    public static string Valid(UnusualName name) => name switch
    {
        UnusualName.ParentDirectory => "../x",
        UnusualName.DeepTraversal => "../../../../etc/passwd",
        UnusualName.Slash => "a/b",
        UnusualName.LeadingSlash => "/absolute",
        UnusualName.Backslash => "a\\b",
        UnusualName.Con => "CON",
        UnusualName.Nul => "nul",
        UnusualName.Com1WithExtension => "COM1.txt",
        UnusualName.Dot => ".",
        UnusualName.DotDot => "..",
        UnusualName.Space => " ",
        UnusualName.Whitespace => "\t\n\r\v\f",
        UnusualName.PaddedWithSpaces => "  padded  ",
        UnusualName.ControlCharacters => "\u0001\u001b[31m\u007f",
        UnusualName.NonAscii => "Zürich-锁-🔒",
        UnusualName.InvisibleCharacters => "\u202eevil\u200b",
        UnusualName.PercentEscape => "a%2Fb",
        UnusualName.Punctuation => "*?<>|:\"'`$(){}[]~!#&;=+,@^",
        UnusualName.SqlInjection => "'); DROP TABLE locks; --",
        UnusualName.KeyPattern => "baton:*:{x}",
        UnusualName.MaxBytesAscii => new string('n', 1024),
        UnusualName.MaxBytesTwoByte => string.Concat(Enumerable.Repeat("é", 512)),
        UnusualName.MaxBytesFourByte => string.Concat(Enumerable.Repeat("🔒", 256)),
        UnusualName.MaxBytesMixed => new string('m', 1021) + "锁",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown case."),
    };

    /// <summary>The invalid name of a case (null for <c>null</c> is tested apart) and words its error message must contain.</summary>
    /// <param name="name">The case.</param>
    public static (string Name, string[] MessageKeywords) Invalid(InvalidName name) => name switch
    {
        InvalidName.Empty => (string.Empty, ["empty"]),
        InvalidName.Nul => ("a\0b", ["NUL"]),
        InvalidName.OnlyNul => ("\0", ["NUL"]),
        InvalidName.TooLongAscii => (new string('n', 1025), ["at most", "bytes"]),
        InvalidName.TooLongTwoByte => (string.Concat(Enumerable.Repeat("é", 513)), ["at most", "bytes"]),
        InvalidName.TooLongFourByte => (string.Concat(Enumerable.Repeat("🔒", 257)), ["at most", "bytes"]),
        InvalidName.LoneHighSurrogate => ("a\uD800b", ["surrogate"]),
        InvalidName.LoneLowSurrogate => ("\uDC00", ["surrogate"]),
        InvalidName.ReversedSurrogates => ("\uDC00\uD800", ["surrogate"]),
        InvalidName.TrailingHighSurrogate => ("abc\uD83D", ["surrogate"]),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown case."),
    };
}
