using System.Text.Json.Serialization;

namespace Baton.Introspection;

/// <summary>Source-generated serialization of <see cref="LocksDocument"/> (no reflection: the command and the dashboard are trimmed and AOT-compiled).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LocksDocument))]
internal sealed partial class LocksJsonContext : JsonSerializerContext;
