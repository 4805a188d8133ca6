using System.Buffers.Binary;

namespace Baton.ZooKeeper.Client.Connection;

/// <summary>Reads length-prefixed frames from a stream, refusing negative and oversized lengths.</summary>
internal sealed class FrameStream : IDisposable
{
    private readonly Stream _input;
    private readonly int _maxFrameLength;
    private readonly byte[] _prefix = new byte[4];

    public FrameStream(Stream input, int maxFrameLength)
    {
        _input = new BufferedStream(input, 64 * 1024);
        _maxFrameLength = maxFrameLength;
    }

    /// <summary>The next frame's payload. Throws <see cref="EndOfStreamException"/> when the server closed the connection.</summary>
    public async ValueTask<byte[]> ReadFrameAsync(CancellationToken cancellationToken)
    {
        await _input.ReadExactlyAsync(_prefix, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(_prefix);
        if (length < 0 || length > _maxFrameLength)
        {
            throw new ZooKeeperProtocolException($"the server sent a frame length of {length} (the limit is {_maxFrameLength})");
        }

        var payload = new byte[length];
        await _input.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return payload;
    }

    public void Dispose() => _input.Dispose();
}
