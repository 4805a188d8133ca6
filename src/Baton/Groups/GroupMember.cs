namespace Baton;

/// <summary>A member of a group, as a listing or a watch shows it.</summary>
/// <param name="Id">The member id it joined with (unique within the group).</param>
/// <param name="Capabilities">The JSON it joined with, or null.</param>
/// <param name="Process">The process that holds the membership: host, process id and name.</param>
/// <param name="JoinedAt">When it joined.</param>
/// <param name="Token">The fencing token of its join: later joins have larger tokens.</param>
public sealed record GroupMember(string Id, string? Capabilities, MemberIdentity Process, DateTimeOffset JoinedAt, long Token);

/// <summary>What happened to a member.</summary>
public enum GroupChangeKind
{
    /// <summary>It joined (or was already a member when the watch started).</summary>
    Joined,

    /// <summary>It left: it resigned, its process ended, or its session or lease ran out.</summary>
    Left,
}

/// <summary>One change of a group's members.</summary>
/// <param name="Kind">Joined or left.</param>
/// <param name="Member">The member.</param>
public sealed record GroupChange(GroupChangeKind Kind, GroupMember Member);
