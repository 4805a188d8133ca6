using System.Runtime.InteropServices;

namespace Baton.Cli.Shared;

/// <summary>
/// Writes to a descriptor with write(2), at the file's own offset. A <see cref="FileStream"/> on a regular file keeps a
/// position of its own and writes there (pwrite): with <c>baton run … &gt;log 2&gt;&amp;1</c> the command's output,
/// written through the shared offset meanwhile, was overwritten by baton's next line.
/// </summary>
internal sealed class DescriptorWriteStream(int descriptor) : Stream
{
    private volatile bool _failed;

    /// <summary>
    /// True once a write failed (a closed pipe, a closed descriptor): what reads the output is gone. A watch ends
    /// then, as a shell tool would of SIGPIPE (which .NET ignores).
    /// </summary>
    public bool Failed => _failed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var offset = 0;
            while (offset < buffer.Length)
            {
                var written = NativeMethods.Write(descriptor, start + offset, (nuint)(buffer.Length - offset));
                if (written < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == NativeMethods.EINTR)
                    {
                        continue;
                    }

                    // A closed or broken output (EPIPE, EBADF) loses the message, never the command's result.
                    _failed = true;
                    return;
                }

                offset += (int)written;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
