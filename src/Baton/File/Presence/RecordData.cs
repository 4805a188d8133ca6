using System.Buffers;
using System.Text.Json;

namespace Baton.Files.Presence;

/// <summary>What a presence record says.</summary>
internal enum RecordState
{
    /// <summary>The owner waits for the name.</summary>
    Waiting,

    /// <summary>The owner holds the name.</summary>
    Holding,

    /// <summary>The owner's coordinator was disposed while holding: the next holder gets a takeover notice saying so.</summary>
    Abandoned,
}

/// <summary>
/// The content of a presence record: who, what, since when. Written as one small JSON object by hand (no
/// reflection, so the library stays trimmable); the reader rejects anything that does not parse whole,
/// which also catches a read that raced with a rewrite.
/// </summary>
internal sealed record RecordData(
    string Name,
    LockKind Kind,
    RecordState State,
    LockMode Mode,
    int MaxCount,
    long Token,
    long Sequence,
    long SinceTicks,
    long EndedTicks,
    MemberIdentity Member)
{
    /// <summary>
    /// The takeover notice this record of a dead holder gives the name's next holder: abandoned at its recorded
    /// end (its coordinator was disposed), or crashed, noticed <paramref name="now"/>.
    /// </summary>
    public TakeoverNotice ToTakeoverNotice(DateTimeOffset now) =>
        State == RecordState.Abandoned
            ? new TakeoverNotice(Member, Token, TakeoverReason.Abandoned, new DateTimeOffset(EndedTicks, TimeSpan.Zero))
            : new TakeoverNotice(Member, Token, TakeoverReason.HolderCrashed, now);

    public byte[] Serialize()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteString("name", Name);
            json.WriteString("kind", Kind.ToString());
            json.WriteString("state", State.ToString());
            json.WriteString("mode", Mode.ToString());
            json.WriteNumber("max", MaxCount);
            json.WriteNumber("token", Token);
            json.WriteNumber("seq", Sequence);
            json.WriteNumber("since", SinceTicks);
            json.WriteNumber("ended", EndedTicks);
            json.WriteString("host", Member.Host);
            json.WriteNumber("pid", Member.ProcessId);
            json.WriteString("process", Member.ProcessName);
            if (Member.CustomId is { } id)
            {
                json.WriteString("id", id);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static RecordData? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.GetProperty("v").GetInt32() != 1)
            {
                return null;
            }

            var member = new MemberIdentity(
                root.GetProperty("host").GetString()!,
                root.GetProperty("pid").GetInt32(),
                root.GetProperty("process").GetString()!,
                root.TryGetProperty("id", out var id) ? id.GetString() : null);
            return new RecordData(
                root.GetProperty("name").GetString()!,
                Enum.Parse<LockKind>(root.GetProperty("kind").GetString()!),
                Enum.Parse<RecordState>(root.GetProperty("state").GetString()!),
                Enum.Parse<LockMode>(root.GetProperty("mode").GetString()!),
                root.GetProperty("max").GetInt32(),
                root.GetProperty("token").GetInt64(),
                root.GetProperty("seq").GetInt64(),
                root.GetProperty("since").GetInt64(),
                root.GetProperty("ended").GetInt64(),
                member);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException)
        {
            return null;
        }
    }
}
