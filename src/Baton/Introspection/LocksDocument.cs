using System.Text.Json;
using Baton.Backends;

namespace Baton.Introspection;

/// <summary>
/// A lock listing as JSON documents give it — <c>baton locks --json</c> and the dashboard's <c>/api/locks</c> —
/// schema version 1 (docs/cli.md). Stable: fields are only ever added, and a change of meaning bumps
/// <see cref="SchemaVersion"/>.
/// </summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="Backend">The backend URL, password hidden.</param>
/// <param name="ObservedAt">When the listing was taken (UTC).</param>
/// <param name="Locks">Every held or awaited name, sorted by kind (locks, semaphores, groups) and name.</param>
public sealed record LocksDocument(int SchemaVersion, string Backend, DateTimeOffset ObservedAt, IReadOnlyList<LockEntry> Locks)
{
    /// <summary>The schema version this library writes.</summary>
    public const int CurrentSchemaVersion = 1;

    private static readonly LocksJsonContext Compact = new(new JsonSerializerOptions(LocksJsonContext.Default.Options) { WriteIndented = false });

    /// <summary>Builds the document of a listing (<see cref="Coordinator.ListLocksAsync"/>).</summary>
    /// <param name="backendUrl">The backend URL; a password in it is hidden.</param>
    /// <param name="locks">The listing.</param>
    /// <param name="observedAt">When it was taken.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static LocksDocument FromListing(string backendUrl, IReadOnlyList<LockInfo> locks, DateTimeOffset observedAt)
    {
        ArgumentNullException.ThrowIfNull(backendUrl);
        ArgumentNullException.ThrowIfNull(locks);
        return new(
            CurrentSchemaVersion,
            BackendUrl.Redact(backendUrl),
            observedAt,
            [.. locks
                .OrderBy(l => l.Kind)
                .ThenBy(l => l.Name, StringComparer.Ordinal)
                .Select(LockEntry.From)]);
    }

    /// <summary>The document as JSON text: indented (as <c>baton locks --json</c> prints it) or on one line.</summary>
    /// <param name="indented">True for indented text; false for one line (server-sent events).</param>
    public string ToJson(bool indented = true) =>
        JsonSerializer.Serialize(this, indented ? LocksJsonContext.Default.LocksDocument : Compact.LocksDocument);

    /// <summary>A duration as the documents give it: seconds, milliseconds precision, never negative (clocks of two machines may disagree).</summary>
    internal static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);
}

/// <summary>One held or awaited name.</summary>
/// <param name="Name">The lock's name, exactly.</param>
/// <param name="Kind"><c>lock</c> (locks, reader-writer locks and elections share names), <c>semaphore</c> or <c>group</c> (whose holders are its members).</param>
/// <param name="MaxCount">A semaphore's slots; 1 for locks.</param>
/// <param name="Holders">Who holds it, oldest first.</param>
/// <param name="Waiters">Who waits, in the order they will be served where the backend has one.</param>
public sealed record LockEntry(string Name, string Kind, int MaxCount, IReadOnlyList<HolderEntry> Holders, IReadOnlyList<WaiterEntry> Waiters)
{
    internal static LockEntry From(LockInfo info) => new(
        info.Name,
        KindName(info.Kind),
        info.MaxCount,
        [.. info.Holders.Select(h => new HolderEntry(ModeName(h.Mode), h.FencingToken, h.Since.ToUniversalTime(), LocksDocument.Seconds(info.ObservedAt - h.Since), MemberEntry.From(h.Member)))],
        [.. info.Waiters.Select(w => new WaiterEntry(ModeName(w.Mode), w.Since.ToUniversalTime(), LocksDocument.Seconds(info.ObservedAt - w.Since), MemberEntry.From(w.Member)))]);

    private static string KindName(LockKind kind) => kind switch
    {
        LockKind.Semaphore => "semaphore",
        LockKind.Group => "group",
        _ => "lock",
    };

    private static string ModeName(LockMode mode) => mode switch
    {
        LockMode.Exclusive => "exclusive",
        LockMode.Shared => "shared",
        _ => "semaphore",
    };
}

/// <summary>A holder.</summary>
/// <param name="Mode"><c>exclusive</c>, <c>shared</c> or <c>semaphore</c>.</param>
/// <param name="FencingToken">The token its acquisition returned (a 64-bit integer).</param>
/// <param name="Since">When it acquired (UTC).</param>
/// <param name="HeldSeconds">How long it had held when listed.</param>
/// <param name="Member">Who it is.</param>
public sealed record HolderEntry(string Mode, long FencingToken, DateTimeOffset Since, double HeldSeconds, MemberEntry Member);

/// <summary>A waiter.</summary>
/// <param name="Mode">What it waits for: <c>exclusive</c>, <c>shared</c> or <c>semaphore</c>.</param>
/// <param name="Since">When it started waiting (UTC).</param>
/// <param name="WaitedSeconds">How long it had waited when listed.</param>
/// <param name="Member">Who it is.</param>
public sealed record WaiterEntry(string Mode, DateTimeOffset Since, double WaitedSeconds, MemberEntry Member);

/// <summary>
/// A holder's, waiter's, leader's or group member's identity in the JSON documents (the <c>member</c> object, one
/// shape everywhere).
/// </summary>
/// <param name="Host">Host name.</param>
/// <param name="Pid">Process id on that host.</param>
/// <param name="Process">Process name.</param>
/// <param name="Id">The member id, or null.</param>
public sealed record MemberEntry(string Host, int Pid, string Process, string? Id)
{
    /// <summary>The entry of a library identity.</summary>
    /// <param name="member">Who.</param>
    /// <exception cref="ArgumentNullException"><paramref name="member"/> is null.</exception>
    public static MemberEntry From(MemberIdentity member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return new(member.Host, member.ProcessId, member.ProcessName, member.CustomId);
    }
}
