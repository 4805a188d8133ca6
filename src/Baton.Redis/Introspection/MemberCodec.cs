using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Baton.Redis.Introspection;

/// <summary>
/// A member identity as it travels in holder and waiter records: a small JSON object
/// (<c>{"h":host,"p":pid,"n":process,"c":customId,"k":capabilities}</c>, the last two only when set; a group member's
/// capabilities embedded as the JSON value they are), written and read without reflection.
/// </summary>
internal static class MemberCodec
{
    public static string Encode(MemberIdentity member)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("h", member.Host);
            writer.WriteNumber("p", member.ProcessId);
            writer.WriteString("n", member.ProcessName);
            if (member.CustomId is { } custom)
            {
                writer.WriteString("c", custom);
            }

            if (member.Capabilities is { } capabilities)
            {
                // Verbatim, so it reads back as the same text (the writer checks it is one JSON value).
                writer.WritePropertyName("k");
                writer.WriteRawValue(capabilities);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static MemberIdentity Decode(string json)
    {
        string host = "?", process = "?";
        string? custom = null, capabilities = null;
        var pid = 0;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "h":
                        host = reader.GetString() ?? host;
                        break;
                    case "p":
                        pid = reader.GetInt32();
                        break;
                    case "n":
                        process = reader.GetString() ?? process;
                        break;
                    case "c":
                        custom = reader.GetString();
                        break;
                    case "k":
                        capabilities = JsonElement.ParseValue(ref reader).GetRawText();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // A record some other program wrote: show what could be read.
        }

        return new MemberIdentity(host, pid, process, custom) { Capabilities = capabilities };
    }
}
