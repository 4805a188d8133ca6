using System.Text.Json.Serialization;
using Baton.Cli.Shared;
using Baton.Introspection;

namespace Baton.Cli.Commands.Leader;

/// <summary>
/// <c>baton leader --json</c>, schema version 1 (docs/cli.md); with <c>--watch</c>, one such document per line. Stable:
/// fields are only ever added, and a change of meaning bumps <see cref="SchemaVersion"/>.
/// </summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="Backend">The backend URL, password hidden.</param>
/// <param name="Election">The election's name, exactly.</param>
/// <param name="ObservedAt">When baton read it (UTC).</param>
/// <param name="Leader">The leader, or null when nobody leads.</param>
internal sealed record LeaderDocument(int SchemaVersion, string Backend, string Election, DateTimeOffset ObservedAt, LeaderEntry? Leader);

/// <summary>The leader.</summary>
/// <param name="Term">Its term: the fencing token of its leadership, larger than every earlier leader's.</param>
/// <param name="Since">When it was elected (UTC).</param>
/// <param name="LedSeconds">How long it had led when read.</param>
/// <param name="Member">Who it is (<c>id</c>: the candidate's <c>--id</c>, or null).</param>
internal sealed record LeaderEntry(long Term, DateTimeOffset Since, double LedSeconds, MemberEntry Member);

/// <summary>Source-generated serialization (no reflection: the command is trimmed and AOT-compiled); indented for a snapshot.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LeaderDocument))]
internal sealed partial class LeaderJsonContext : JsonSerializerContext;

/// <summary>The same, one document per line (JSON Lines) for <c>--watch --json</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LeaderDocument))]
internal sealed partial class LeaderLinesJsonContext : JsonSerializerContext;
