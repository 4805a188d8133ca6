using System.Buffers.Binary;
using System.Text;

namespace Baton.ZooKeeper.Client.Jute;

/// <summary>Reads jute records from one frame's payload; any inconsistency is a <see cref="ZooKeeperProtocolException"/>.</summary>
internal ref struct JuteReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public JuteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public bool ReadBool() => Take(1)[0] switch
    {
        0 => false,
        1 => true,
        var other => throw new ZooKeeperProtocolException($"a boolean byte was {other}"),
    };

    /// <summary>A length-prefixed byte buffer; -1 (null) reads as empty.</summary>
    public byte[] ReadBuffer()
    {
        var length = ReadLength("buffer");
        return length < 0 ? [] : Take(length).ToArray();
    }

    public string? ReadString()
    {
        var length = ReadLength("string");
        if (length < 0)
        {
            return null;
        }

        try
        {
            return StrictUtf8.GetString(Take(length));
        }
        catch (DecoderFallbackException exception)
        {
            throw new ZooKeeperProtocolException("a string was not valid UTF-8", exception);
        }
    }

    public string ReadRequiredString(string what) =>
        ReadString() ?? throw new ZooKeeperProtocolException($"the {what} was null");

    public List<string> ReadStringVector()
    {
        var count = ReadLength("vector");
        var list = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            list.Add(ReadRequiredString("vector element"));
        }

        return list;
    }

    public ZooKeeperStat ReadStat() => new(
        Czxid: ReadLong(),
        Mzxid: ReadLong(),
        Ctime: ReadLong(),
        Mtime: ReadLong(),
        Version: ReadInt(),
        Cversion: ReadInt(),
        Aversion: ReadInt(),
        EphemeralOwner: ReadLong(),
        DataLength: ReadInt(),
        NumChildren: ReadInt(),
        Pzxid: ReadLong());

    private int ReadLength(string what)
    {
        var length = ReadInt();
        if (length < -1 || length > Remaining)
        {
            throw new ZooKeeperProtocolException($"a {what} length of {length} does not fit the {Remaining} bytes left in the frame");
        }

        return length;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw new ZooKeeperProtocolException($"the frame ended early ({count} bytes wanted, {Remaining} left)");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
