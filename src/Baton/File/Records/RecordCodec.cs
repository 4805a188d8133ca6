using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Baton.Files.Presence;

namespace Baton.Files.Records;

/// <summary>
/// The binary form of an in-file record: a 64-byte header, the name, then who (host, process, custom id),
/// written with one <c>pwrite</c>. No serializer on the hot path: the name and the member are encoded once
/// (per primitive and per coordinator) and copied. A CRC-32C over the record lets a reader reject a read
/// that raced with a rewrite. Clearing a record rewrites only its state byte (to 0, empty), which a reader
/// checks first.
/// <code>
///  0 u32 magic "BTN1"   4 u8 state   5 u8 kind   6 u8 mode   7 u8 0
///  8 i32 max count     12 u32 CRC-32C (computed with this field 0)
/// 16 i64 token         24 i64 sequence   32 i64 since (UTC ticks)   40 i64 ended (UTC ticks)
/// 48 i32 pid           52 u16 name bytes 54 u16 member bytes        56..63 0
/// 64 name (UTF-8), member: host, process, id, each u16 length + UTF-8 (id length 0xFFFF: none), then a group
///    member's capabilities (JSON) the same way when it has any (older readers stop after the id)
/// </code>
/// </summary>
internal static class RecordCodec
{
    public const int HeaderSize = 64;
    public const int StateOffset = 4;
    private const uint Magic = 0x314E5442; // "BTN1" little-endian
    private const ushort NoId = 0xFFFF;

    /// <summary>The state byte of an empty (cleared) place.</summary>
    public const byte Empty = 0;

    /// <summary>The encoded size of a record.</summary>
    public static int Size(ReadOnlySpan<byte> name, ReadOnlySpan<byte> member) => HeaderSize + name.Length + member.Length;

    /// <summary>Encodes the member part once per coordinator: host and process name are cut to 255 bytes (they are labels).</summary>
    public static byte[] EncodeMember(MemberIdentity member)
    {
        var host = Bounded(member.Host);
        var process = Bounded(member.ProcessName);
        var id = member.CustomId is null ? null : Encoding.UTF8.GetBytes(member.CustomId);
        var capabilities = member.Capabilities is null ? null : Encoding.UTF8.GetBytes(member.Capabilities);
        var blob = new byte[6 + host.Length + process.Length + (id?.Length ?? 0) + (capabilities is null ? 0 : 2 + capabilities.Length)];
        var at = Put(blob, 0, host);
        at = Put(blob, at, process);
        if (id is null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(at), NoId);
            at += 2;
        }
        else
        {
            at = Put(blob, at, id);
        }

        if (capabilities is not null)
        {
            _ = Put(blob, at, capabilities);
        }

        return blob;
    }

    /// <summary>Writes the record into <paramref name="buffer"/> (at least <see cref="Size"/> bytes) and returns its length.</summary>
    public static int Encode(Span<byte> buffer, RecordData data, ReadOnlySpan<byte> name, ReadOnlySpan<byte> member)
    {
        var length = Size(name, member);
        var header = buffer[..HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        header[StateOffset] = StateByte(data.State);
        header[5] = (byte)data.Kind;
        header[6] = (byte)data.Mode;
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], data.MaxCount);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], data.Token);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], data.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], data.SinceTicks);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], data.EndedTicks);
        BinaryPrimitives.WriteInt32LittleEndian(header[48..], data.Member.ProcessId);
        BinaryPrimitives.WriteUInt16LittleEndian(header[52..], (ushort)name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[54..], (ushort)member.Length);
        name.CopyTo(buffer[HeaderSize..]);
        member.CopyTo(buffer[(HeaderSize + name.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Checksum(buffer[..length]));
        return length;
    }

    /// <summary>The state of the record at the start of <paramref name="place"/>; null when the place is empty or holds no record.</summary>
    public static RecordState? PeekState(ReadOnlySpan<byte> place) =>
        place.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(place) != Magic ? null : FromStateByte(place[StateOffset]);

    /// <summary>Decodes a whole record; null when the place is empty, torn (a read that raced with a rewrite) or not a record.</summary>
    public static RecordData? Decode(ReadOnlySpan<byte> place)
    {
        if (PeekState(place) is not { } state)
        {
            return null;
        }

        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(place[52..]);
        var memberLength = BinaryPrimitives.ReadUInt16LittleEndian(place[54..]);
        var length = HeaderSize + nameLength + memberLength;
        if (length > place.Length || length > RecordLayout.PlaceSize)
        {
            return null;
        }

        var record = place[..length];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        Span<byte> header = stackalloc byte[HeaderSize];
        record[..HeaderSize].CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        if (Checksum(header, record[HeaderSize..]) != stored)
        {
            return null;
        }

        var member = record[(HeaderSize + nameLength)..];
        var host = Take(ref member);
        var process = Take(ref member);
        var id = Take(ref member);
        var capabilities = Take(ref member);
        if (host is null || process is null)
        {
            return null;
        }

        return new RecordData(
            Encoding.UTF8.GetString(record.Slice(HeaderSize, nameLength)),
            (LockKind)record[5],
            state,
            (LockMode)record[6],
            BinaryPrimitives.ReadInt32LittleEndian(record[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(record[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(record[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(record[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(record[40..]),
            new MemberIdentity(host, BinaryPrimitives.ReadInt32LittleEndian(record[48..]), process, id) { Capabilities = capabilities });
    }

    private static byte StateByte(RecordState state) => (byte)(state + 1);

    private static RecordState? FromStateByte(byte value) =>
        value is >= 1 and <= (byte)RecordState.Abandoned + 1 ? (RecordState)(value - 1) : null;

    private static uint Checksum(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest) => Crc(Crc(0xFFFFFFFF, header), rest);

    private static uint Checksum(ReadOnlySpan<byte> record) => Crc(0xFFFFFFFF, record);

    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }

        foreach (var b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    private static byte[] Bounded(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= 255)
        {
            return bytes;
        }

        // Cut on a character boundary: never leave half a UTF-8 sequence.
        var cut = 255;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return bytes[..cut];
    }

    private static int Put(byte[] blob, int at, byte[] bytes)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(at), (ushort)bytes.Length);
        bytes.CopyTo(blob, at + 2);
        return at + 2 + bytes.Length;
    }

    private static string? Take(ref ReadOnlySpan<byte> member)
    {
        if (member.Length < 2)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(member);
        if (length == NoId)
        {
            member = member[2..];
            return null;
        }

        if (member.Length < 2 + length)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(member.Slice(2, length));
        member = member[(2 + length)..];
        return text;
    }
}
