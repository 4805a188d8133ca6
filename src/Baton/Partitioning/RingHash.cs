using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;

namespace Baton.Partitioning;

/// <summary>
/// The ring's hashing scheme, in one place because other languages must be able to reproduce it
/// (docs/partitioning.md): XXH3-64 with seed 0 over UTF-8 bytes, for keys and for the points
/// "&lt;member id&gt;#&lt;index&gt;".
/// </summary>
internal static class RingHash
{
    // Keys up to this many UTF-8 bytes are encoded on the stack; longer ones in a pooled array,
    // so OwnerOf(string) never allocates.
    private const int StackBytes = 512;

    // '#' and int.MaxValue in decimal.
    private const int SuffixBytes = 11;

    public static ulong Key(ReadOnlySpan<byte> utf8) => XxHash3.HashToUInt64(utf8);

    /// <remarks>
    /// Encoding.UTF8 turns an unpaired surrogate into U+FFFD, so such keys hash as if they held
    /// U+FFFD: deterministic, and what most other languages' encoders do as well.
    /// </remarks>
    [SkipLocalsInit] // the buffer is written before it is read; zeroing 512 bytes cost a third of a lookup
    public static ulong Key(ReadOnlySpan<char> key)
    {
        var max = key.Length <= StackBytes / 3 ? StackBytes : Encoding.UTF8.GetByteCount(key);
        byte[]? rented = null;
        var buffer = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return XxHash3.HashToUInt64(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>round(weight × virtual nodes per weight), half away from zero, at least 1.</summary>
    public static int PointCount(double weight, int virtualNodesPerWeight) =>
        Math.Max(1, (int)Math.Round(weight * virtualNodesPerWeight, MidpointRounding.AwayFromZero));

    /// <summary>Fills <paramref name="points"/> with the hashes of "&lt;id&gt;#0", "&lt;id&gt;#1", ….</summary>
    public static void Points(ReadOnlySpan<byte> idUtf8, Span<ulong> points)
    {
        var scratch = new byte[idUtf8.Length + SuffixBytes];
        idUtf8.CopyTo(scratch);
        scratch[idUtf8.Length] = (byte)'#';
        var suffix = scratch.AsSpan(idUtf8.Length + 1);
        for (var i = 0; i < points.Length; i++)
        {
            i.TryFormat(suffix, out var digits, default, CultureInfo.InvariantCulture);
            points[i] = XxHash3.HashToUInt64(scratch.AsSpan(0, idUtf8.Length + 1 + digits));
        }
    }
}
