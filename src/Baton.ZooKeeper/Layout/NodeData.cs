using System.Buffers;
using System.Text;
using System.Text.Json;
using Baton.Backends;

namespace Baton.ZooKeeper.Layout;

/// <summary>
/// The data of a contender or lease node: who it is (and, for a semaphore, its count). kazoo writes its
/// identifier there as plain text; such nodes read as contenders of an unknown member named by that identifier.
/// </summary>
internal sealed record ContenderData(MemberIdentity? Member, int MaxCount, string? ForeignIdentifier = null)
{
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteNumber("max", MaxCount);
            MemberJson.Write(json, Member);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static ContenderData Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("v", out _))
            {
                return new ContenderData(MemberJson.Read(root), root.TryGetProperty("max", out var max) ? max.GetInt32() : 1);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
        }

        return new ContenderData(null, 0, Encoding.UTF8.GetString(data));
    }

    /// <summary>The member to show: Baton's identity, or one made of the foreign tool's identifier and session.</summary>
    public MemberIdentity MemberOr(long session) =>
        Member ?? new MemberIdentity(
            "(unknown)",
            0,
            $"zookeeper session 0x{session.ToString("x", System.Globalization.CultureInfo.InvariantCulture)}",
            string.IsNullOrEmpty(ForeignIdentifier) ? null : ForeignIdentifier[..Math.Min(ForeignIdentifier.Length, MemberIdentity.MaxCustomIdLength)]);
}

/// <summary>How a hold recorded in its hold record ended, if it did.</summary>
internal enum HoldState
{
    /// <summary>Held, as far as the record knows; one left in this state after its node is gone is a crash or an expired session.</summary>
    Holding,

    /// <summary>Queued, not holding: one left behind by a waiter that died is no takeover, only litter to remove.</summary>
    Waiting,

    /// <summary>Its coordinator was disposed while holding.</summary>
    Abandoned,

    /// <summary>An operator broke it.</summary>
    Broken,
}

/// <summary>A hold's record: written when the hold is granted, deleted with its node on a clean release.</summary>
internal sealed record HoldRecord(HoldState State, long Token, MemberIdentity? Member, long EndedTicks = 0)
{
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteString("state", State switch { HoldState.Abandoned => "abandoned", HoldState.Broken => "broken", HoldState.Waiting => "waiting", _ => "holding" });
            json.WriteNumber("token", Token);
            json.WriteNumber("ended", EndedTicks);
            MemberJson.Write(json, Member);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static HoldRecord? Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return new HoldRecord(
                root.GetProperty("state").GetString() switch { "abandoned" => HoldState.Abandoned, "broken" => HoldState.Broken, "waiting" => HoldState.Waiting, _ => HoldState.Holding },
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
