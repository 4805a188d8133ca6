namespace Baton.Conformance;

/// <summary>Names that rule 9 refuses with an <see cref="ArgumentException"/>; see <see cref="NameCases.Invalid"/>.</summary>
public enum InvalidName
{
    /// <summary>The empty string.</summary>
    Empty,

    /// <summary>A NUL inside the name.</summary>
    Nul,

    /// <summary>Only a NUL.</summary>
    OnlyNul,

    /// <summary>1,025 ASCII characters.</summary>
    TooLongAscii,

    /// <summary>513 two-byte characters: 1,026 UTF-8 bytes but only 513 characters.</summary>
    TooLongTwoByte,

    /// <summary>257 emoji: 1,028 UTF-8 bytes.</summary>
    TooLongFourByte,

    /// <summary>A high surrogate with no low surrogate after it.</summary>
    LoneHighSurrogate,

    /// <summary>A low surrogate with no high surrogate before it.</summary>
    LoneLowSurrogate,

    /// <summary>A surrogate pair in the wrong order.</summary>
    ReversedSurrogates,

    /// <summary>A high surrogate at the very end.</summary>
    TrailingHighSurrogate,
}
