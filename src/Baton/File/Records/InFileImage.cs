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

    /// <summary>
    /// Reads the whole file (at most the region and every slot) when its size is not known: usually with one
    /// <c>pread</c> of one byte more than <paramref name="likelySize"/>, whose short answer is the end of the file
    /// (a regular file's read is short only there); a file that turns out longer costs a <c>statx</c> and a read
    /// of all of it.
    /// </summary>
    public static InFileImage ReadWhole(SafeFileHandle fd, long likelySize)
    {
        var wanted = (int)Math.Min(likelySize + 1, (long)(RecordLayout.MaxSlots + 1) * RecordLayout.PlaceSize);
        var buffer = ArrayPool<byte>.Shared.Rent(wanted);
        var length = ReadOnce(fd, buffer.AsSpan(0, wanted), 0);
        if (length < wanted)
        {
            return new InFileImage(buffer, length);
        }

        ArrayPool<byte>.Shared.Return(buffer);
        if (Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) != 0)
        {
            throw Libc.Error("statx(lock file)");
        }

        return Read(fd, stat.Size);
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

    /// <summary>One <c>pread</c> (again only when a signal interrupted it): how many bytes the file had there, up to the buffer's length.</summary>
    private static unsafe int ReadOnce(SafeFileHandle fd, Span<byte> buffer, long offset)
    {
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var read = Libc.Pread(fd, bytes, (nuint)buffer.Length, offset);
                if (read >= 0)
                {
                    return (int)read;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR)
                {
                    throw Libc.Error("pread(lock records)", errno);
                }
            }
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
