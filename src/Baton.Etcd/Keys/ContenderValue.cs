using System.Buffers;
using System.Text.Json;
using Baton.Backends;
using Google.Protobuf;

namespace Baton.Etcd.Keys;

/// <summary>How a contender key holds or waits.</summary>
internal enum ContenderMode
{
    /// <summary>Alone (also every key Baton did not write, such as etcdctl's).</summary>
    Exclusive,

    /// <summary>A reader.</summary>
    Shared,

    /// <summary>A reader becoming the writer: since the key's mod revision, later readers queue behind it.</summary>
    Upgrading,

    /// <summary>A semaphore slot.</summary>
    Semaphore,
}

/// <summary>
/// The value of a contender key: mode, semaphore size, since when, who, and the fencing token when it is not the
/// key's create revision (after an upgrade). Keys of other tools read as exclusive contenders of an unknown member,
/// keeping their value as text (<see cref="ForeignText"/>: the proposal of an <c>etcdctl elect</c> candidate).
/// </summary>
internal sealed record ContenderValue(ContenderMode Mode, int MaxCount, long SinceTicks, MemberIdentity? Member, long Token = 0, string? ForeignText = null)
{
    public ByteString Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteString("mode", Mode switch
            {
                ContenderMode.Shared => "shared",
                ContenderMode.Upgrading => "upgrading",
                ContenderMode.Semaphore => "semaphore",
                _ => "exclusive",
            });
            json.WriteNumber("max", MaxCount);
            json.WriteNumber("since", SinceTicks);
            if (Token != 0)
            {
                json.WriteNumber("token", Token);
            }

            MemberJson.Write(json, Member);
            json.WriteEndObject();
        }

        return ByteString.CopyFrom(buffer.WrittenSpan);
    }

    /// <summary>Reads a contender's value; a value Baton did not write is an exclusive contender of an unknown member.</summary>
    public static ContenderValue Decode(ByteString value)
    {
        try
        {
            using var document = JsonDocument.Parse(value.Memory);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("v", out _))
            {
                return Foreign(value);
            }

            var mode = root.GetProperty("mode").GetString() switch
            {
                "shared" => ContenderMode.Shared,
                "upgrading" => ContenderMode.Upgrading,
                "semaphore" => ContenderMode.Semaphore,
                _ => ContenderMode.Exclusive,
            };
            return new ContenderValue(
                mode,
                root.GetProperty("max").GetInt32(),
                root.GetProperty("since").GetInt64(),
                MemberJson.Read(root),
                root.TryGetProperty("token", out var token) ? token.GetInt64() : 0);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return Foreign(value);
        }
    }

    /// <summary>A key of another tool: exclusive, of nobody Baton knows, its value kept as text (empty for etcdctl's locks).</summary>
    private static ContenderValue Foreign(ByteString value) =>
        new(ContenderMode.Exclusive, 1, 0, null, ForeignText: value.IsEmpty ? null : value.ToStringUtf8());
}

/// <summary>
/// How a holder Baton knows nothing about (etcdctl's) is shown: by its lease, and with the value it wrote (an
/// <c>etcdctl elect</c> proposal) as its member id, as the ZooKeeper backend shows a kazoo peer's identifier.
/// </summary>
internal static class UnknownMember
{
    public static MemberIdentity Of(long lease, string? text) =>
        new(
            "(unknown)",
            0,
            $"etcd lease {lease.ToString("x", System.Globalization.CultureInfo.InvariantCulture)}",
            string.IsNullOrEmpty(text) ? null : Shortened(text));

    private static string Shortened(string text)
    {
        var length = Math.Min(text.Length, MemberIdentity.MaxCustomIdLength);
        return text[..(length < text.Length && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];
    }
}
