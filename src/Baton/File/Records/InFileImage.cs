using System.Buffers;
using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Records;

/// <summary>The records part of a lock file, read with one <c>pread</c> into a pooled buffer.</summary>
internal sealed class InFileImage : IDisposable
{
    private byte[]? _buffer;

    private InFileImage(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    /// <summary>How many places (holder region and slots) the image covers.</summary>
    public int Places => RecordLayout.Places(Length);

    /// <summary>Reads the file's first <paramref name="size"/> bytes (at most the region and every slot).</summary>
    public static InFileImage Read(SafeFileHandle fd, long size)
    {
        var wanted = (int)Math.Min(size, (long)(RecordLayout.MaxSlots + 1) * RecordLayout.PlaceSize);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(wanted, 1));
        var length = ReadAt(fd, buffer.AsSpan(0, wanted), 0);
        return new InFileImage(buffer, length);
    }

    /// <summary>One place's bytes (empty beyond the end of what was read).</summary>
    public ReadOnlySpan<byte> Place(int slot)
    {
        var start = RecordLayout.Offset(slot);
        return start >= Length ? default : _buffer.AsSpan((int)start, (int)Math.Min(RecordLayout.PlaceSize, Length - start));
    }

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="offset"/>; returns how many bytes the file had there.</summary>
    public static unsafe int ReadAt(SafeFileHandle fd, Span<byte> buffer, long offset)
    {
        fixed (byte* bytes = buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = Libc.Pread(fd, bytes + total, (nuint)(buffer.Length - total), offset + total);
                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    throw Libc.Error("pread(lock records)", errno);
                }

                if (read == 0)
                {
                    break;
                }

                total += (int)read;
            }

            return total;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
