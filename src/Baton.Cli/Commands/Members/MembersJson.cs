using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Cli.Shared;
using Baton.Introspection;

namespace Baton.Cli.Commands.Members;

/// <summary>
/// <c>baton members --json</c>, schema version 1 (docs/cli.md). Stable: fields are only ever added, and a change of
/// meaning bumps <see cref="SchemaVersion"/>.
/// </summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="Backend">The backend URL, password hidden.</param>
/// <param name="Group">The group's name, exactly.</param>
/// <param name="ObservedAt">When baton read it (UTC).</param>
/// <param name="Members">The members, in the order they joined.</param>
internal sealed record MembersDocument(int SchemaVersion, string Backend, string Group, DateTimeOffset ObservedAt, IReadOnlyList<MemberRecord> Members);

/// <summary>One member.</summary>
/// <param name="Id">Its member id (unique in the group).</param>
/// <param name="Token">The fencing token of its join: later joins have larger ones.</param>
/// <param name="JoinedAt">When it joined (UTC).</param>
/// <param name="MemberSeconds">How long it had been a member when read.</param>
/// <param name="Capabilities">The JSON it joined with, as JSON (not a string); null for none.</param>
/// <param name="Member">The process that holds the membership, as in <c>locks --json</c> (its <c>id</c> is <paramref name="Id"/>).</param>
internal sealed record MemberRecord(string Id, long Token, DateTimeOffset JoinedAt, double MemberSeconds, JsonElement? Capabilities, MemberEntry Member);

/// <summary>One line of <c>baton members --watch --json</c>: a <see cref="MemberRecord"/>'s fields and what happened to it.</summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="Event"><c>joined</c> (also for each member already there when the watch starts) or <c>left</c>.</param>
/// <param name="Group">The group's name.</param>
/// <param name="ObservedAt">When baton saw it (UTC).</param>
/// <param name="Id">As in <see cref="MemberRecord"/>.</param>
/// <param name="Token">As in <see cref="MemberRecord"/>.</param>
/// <param name="JoinedAt">As in <see cref="MemberRecord"/>.</param>
/// <param name="MemberSeconds">As in <see cref="MemberRecord"/>: for <c>left</c>, how long it had been a member.</param>
/// <param name="Capabilities">As in <see cref="MemberRecord"/>.</param>
/// <param name="Member">As in <see cref="MemberRecord"/>.</param>
internal sealed record MemberEventLine(
    int SchemaVersion,
    string Event,
    string Group,
    DateTimeOffset ObservedAt,
    string Id,
    long Token,
    DateTimeOffset JoinedAt,
    double MemberSeconds,
    JsonElement? Capabilities,
    MemberEntry Member);

/// <summary>Source-generated serialization (no reflection: the command is trimmed and AOT-compiled); indented for a snapshot.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MembersDocument))]
internal sealed partial class MembersJsonContext : JsonSerializerContext;

/// <summary>The watch's lines (JSON Lines: one object per line, not indented).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MemberEventLine))]
internal sealed partial class MemberEventsJsonContext : JsonSerializerContext;
