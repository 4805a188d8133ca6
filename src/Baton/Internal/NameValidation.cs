using System.Text;

namespace Baton.Internal;

/// <summary>
/// DESIGN rule 9: any non-empty string of at most 1,024 UTF-8 bytes without NUL. Hash-ring member
/// ids follow the same rule, so <c>what</c> names the kind of string in the messages.
/// </summary>
internal static class NameValidation
{
    public const int MaxNameBytes = 1024;

    public static void Validate(string name, string paramName, string what = "A lock name")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (name.Length == 0)
        {
            throw new ArgumentException($"{what} must not be empty.", paramName);
        }

        var nul = name.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            throw new ArgumentException($"{what} must not contain NUL (U+0000); this one has it at index {nul}.", paramName);
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsSurrogate(name[i]))
            {
                if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                {
                    i++;
                    continue;
                }

                throw new ArgumentException(
                    $"{what} must be valid Unicode; this one has an unpaired surrogate U+{(int)name[i]:X4} at index {i}, which has no UTF-8 form.",
                    paramName);
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameBytes)
        {
            throw new ArgumentException(
                $"{what} must be at most {MaxNameBytes:N0} UTF-8 bytes; this one ('{name[..Math.Min(name.Length, 32)]}…') is {bytes:N0} bytes.",
                paramName);
        }
    }
}
