using System.Text.Json;

namespace Baton.Backends;

/// <summary>
/// The member identity inside the JSON values that network backends store beside their holds (etcd keys, ZooKeeper
/// nodes): <c>host</c>, <c>pid</c>, <c>process</c> and, when set, <c>id</c> and <c>capabilities</c> (a group member's
/// JSON, embedded as it is). One format, so every tool that reads them
/// (listings, the dashboard, other languages) reads them alike.
/// </summary>
public static class MemberJson
{
    /// <summary>Writes the identity's properties into the object being written; nothing when it is null.</summary>
    /// <param name="json">A writer positioned inside an object.</param>
    /// <param name="member">The identity, or null.</param>
    public static void Write(Utf8JsonWriter json, MemberIdentity? member)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (member is null)
        {
            return;
        }

        json.WriteString("host", member.Host);
        json.WriteNumber("pid", member.ProcessId);
        json.WriteString("process", member.ProcessName);
        if (member.CustomId is not null)
        {
            json.WriteString("id", member.CustomId);
        }

        if (member.Capabilities is not null)
        {
            json.WritePropertyName("capabilities");
            json.WriteRawValue(member.Capabilities);
        }
    }

    /// <summary>Reads the identity from an object written by <see cref="Write"/>; null when it has none.</summary>
    /// <param name="root">The JSON object.</param>
    /// <exception cref="KeyNotFoundException">The object has a host but not the other properties.</exception>
    public static MemberIdentity? Read(JsonElement root) =>
        root.TryGetProperty("host", out var host)
            ? new MemberIdentity(
                host.GetString() ?? string.Empty,
                root.GetProperty("pid").GetInt32(),
                root.GetProperty("process").GetString() ?? string.Empty,
                root.TryGetProperty("id", out var id) ? id.GetString() : null)
            {
                Capabilities = root.TryGetProperty("capabilities", out var capabilities) ? capabilities.GetRawText() : null,
            }
            : null;
}
