using System.Text.Json.Serialization;
using Baton.Cli.Shared;

namespace Baton.Cli.Commands.Locks;

/// <summary>
/// <c>baton locks --json</c>, schema version 1 (docs/cli.md). Stable: fields are only ever added, and a
/// change of meaning bumps <see cref="SchemaVersion"/>.
/// </summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="Backend">The backend URL, password hidden.</param>
/// <param name="ObservedAt">When the listing was taken (UTC).</param>
/// <param name="Locks">Every held or awaited name, sorted by kind (locks, semaphores, groups) and name.</param>
internal sealed record LocksDocument(int SchemaVersion, string Backend, DateTimeOffset ObservedAt, IReadOnlyList<LockEntry> Locks);

/// <summary>One held or awaited name.</summary>
/// <param name="Name">The lock's name, exactly.</param>
/// <param name="Kind"><c>lock</c> (locks, reader-writer locks and elections share names), <c>semaphore</c> or <c>group</c> (whose holders are its members).</param>
/// <param name="MaxCount">A semaphore's slots; 1 for locks.</param>
/// <param name="Holders">Who holds it, oldest first.</param>
/// <param name="Waiters">Who waits, in the order they will be served where the backend has one.</param>
internal sealed record LockEntry(string Name, string Kind, int MaxCount, IReadOnlyList<HolderEntry> Holders, IReadOnlyList<WaiterEntry> Waiters);

/// <summary>A holder.</summary>
/// <param name="Mode"><c>exclusive</c>, <c>shared</c> or <c>semaphore</c>.</param>
/// <param name="FencingToken">The token its acquisition returned (a 64-bit integer).</param>
/// <param name="Since">When it acquired (UTC).</param>
/// <param name="HeldSeconds">How long it had held when listed.</param>
/// <param name="Member">Who it is.</param>
internal sealed record HolderEntry(string Mode, long FencingToken, DateTimeOffset Since, double HeldSeconds, MemberEntry Member);

/// <summary>A waiter.</summary>
/// <param name="Mode">What it waits for: <c>exclusive</c>, <c>shared</c> or <c>semaphore</c>.</param>
/// <param name="Since">When it started waiting (UTC).</param>
/// <param name="WaitedSeconds">How long it had waited when listed.</param>
/// <param name="Member">Who it is.</param>
internal sealed record WaiterEntry(string Mode, DateTimeOffset Since, double WaitedSeconds, MemberEntry Member);

/// <summary>Source-generated serialization (no reflection: the command is trimmed and AOT-compiled).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LocksDocument))]
internal sealed partial class LocksJsonContext : JsonSerializerContext;
