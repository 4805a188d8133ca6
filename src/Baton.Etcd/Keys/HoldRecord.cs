using System.Buffers;
using System.Text.Json;
using Baton.Backends;
using Google.Protobuf;

namespace Baton.Etcd.Keys;

/// <summary>How a hold recorded in its hold record ended, if it did.</summary>
internal enum HoldState
{
    /// <summary>Still held, as far as the record knows (a record left in this state by a dead lease is a crash).</summary>
    Holding,

    /// <summary>Its coordinator was disposed while holding.</summary>
    Abandoned,

    /// <summary>An operator broke it.</summary>
    Broken,
}

/// <summary>
/// A hold's record, written without a lease when the hold is granted and deleted with its contender key on a clean
/// release. One left behind after its contender key is gone tells the name's next holder who did not release.
/// </summary>
internal sealed record HoldRecord(HoldState State, long ContenderRevision, long Token, MemberIdentity? Member, long EndedTicks = 0)
{
    public ByteString Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteString("state", State switch { HoldState.Abandoned => "abandoned", HoldState.Broken => "broken", _ => "holding" });
            json.WriteNumber("contender", ContenderRevision);
            json.WriteNumber("token", Token);
            json.WriteNumber("ended", EndedTicks);
            MemberJson.Write(json, Member);
            json.WriteEndObject();
        }

        return ByteString.CopyFrom(buffer.WrittenSpan);
    }

    public static HoldRecord? Decode(ByteString value)
    {
        try
        {
            using var document = JsonDocument.Parse(value.Memory);
            var root = document.RootElement;
            return new HoldRecord(
                root.GetProperty("state").GetString() switch { "abandoned" => HoldState.Abandoned, "broken" => HoldState.Broken, _ => HoldState.Holding },
                root.GetProperty("contender").GetInt64(),
                root.GetProperty("token").GetInt64(),
                MemberJson.Read(root),
                root.GetProperty("ended").GetInt64());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }
}
