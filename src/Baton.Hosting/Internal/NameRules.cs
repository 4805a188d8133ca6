using System.Text;

namespace Baton.Hosting.Internal;

/// <summary>
/// The contract's rule for names (any non-empty string of at most 1,024 UTF-8 bytes without NUL), checked when a
/// service is registered or its options are validated, so that a bad election or group name fails the start rather
/// than every campaign. The core checks it again when the name is used.
/// </summary>
internal static class NameRules
{
    private const int MaxBytes = 1024;

    /// <summary>What is wrong with the name, or null when it is valid.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is not set; it must be a non-empty name.";
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "must not contain NUL characters.";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxBytes ? $"must be at most {MaxBytes:N0} bytes of UTF-8; it has {bytes:N0}." : null;
    }
}
