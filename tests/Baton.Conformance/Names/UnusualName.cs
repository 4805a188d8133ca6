namespace Baton.Conformance;

/// <summary>Valid names that a careless backend would turn into paths, keys or SQL (rule 9); see <see cref="NameCases.Valid"/>.</summary>
public enum UnusualName
{
    /// <summary><c>../x</c>.</summary>
    ParentDirectory,

    /// <summary><c>../../../../etc/passwd</c>.</summary>
    DeepTraversal,

    /// <summary><c>a/b</c>.</summary>
    Slash,

    /// <summary><c>/absolute</c>.</summary>
    LeadingSlash,

    /// <summary><c>a\b</c>.</summary>
    Backslash,

    /// <summary><c>CON</c>, a reserved Windows device name.</summary>
    Con,

    /// <summary><c>nul</c>, a reserved Windows device name in lower case.</summary>
    Nul,

    /// <summary><c>COM1.txt</c>.</summary>
    Com1WithExtension,

    /// <summary><c>.</c>.</summary>
    Dot,

    /// <summary><c>..</c>.</summary>
    DotDot,

    /// <summary>A single space.</summary>
    Space,

    /// <summary>Tabs, newlines and a carriage return.</summary>
    Whitespace,

    /// <summary>Leading and trailing spaces around a word.</summary>
    PaddedWithSpaces,

    /// <summary>C0 and DEL control characters (but no NUL).</summary>
    ControlCharacters,

    /// <summary><c>Zürich-锁-🔒</c>.</summary>
    NonAscii,

    /// <summary>A right-to-left and a zero-width character.</summary>
    InvisibleCharacters,

    /// <summary><c>a%2Fb</c>, a percent-escape that must not be decoded.</summary>
    PercentEscape,

    /// <summary>Characters that are special in shells, globs, URLs and file systems.</summary>
    Punctuation,

    /// <summary>An SQL injection attempt.</summary>
    SqlInjection,

    /// <summary>A Redis/etcd-style key separator and wildcard.</summary>
    KeyPattern,

    /// <summary>Exactly 1,024 ASCII characters.</summary>
    MaxBytesAscii,

    /// <summary>512 two-byte characters: exactly 1,024 UTF-8 bytes.</summary>
    MaxBytesTwoByte,

    /// <summary>256 emoji (surrogate pairs, four UTF-8 bytes each): exactly 1,024 UTF-8 bytes.</summary>
    MaxBytesFourByte,

    /// <summary>1,021 ASCII characters and one three-byte character: exactly 1,024 UTF-8 bytes.</summary>
    MaxBytesMixed,
}
