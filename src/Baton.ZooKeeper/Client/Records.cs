namespace Baton.ZooKeeper.Client;

/// <summary>A node's metadata.</summary>
/// <param name="Czxid">The zxid of the transaction that created the node (cluster-wide increasing).</param>
/// <param name="Mzxid">The zxid of the last change of the node's data.</param>
/// <param name="Ctime">Creation time, milliseconds since the Unix epoch.</param>
/// <param name="Mtime">Last modification time, milliseconds since the Unix epoch.</param>
/// <param name="Version">The number of data changes.</param>
/// <param name="Cversion">The number of child changes.</param>
/// <param name="Aversion">The number of ACL changes.</param>
/// <param name="EphemeralOwner">The owning session of an ephemeral node; 0 otherwise.</param>
/// <param name="DataLength">The length of the data.</param>
/// <param name="NumChildren">The number of children.</param>
/// <param name="Pzxid">The zxid of the last child change.</param>
public readonly record struct ZooKeeperStat(long Czxid, long Mzxid, long Ctime, long Mtime, int Version, int Cversion, int Aversion, long EphemeralOwner, int DataLength, int NumChildren, long Pzxid);

/// <summary>One access-control entry: permissions granted to an identity of a scheme.</summary>
/// <param name="Permissions">Read 1, Write 2, Create 4, Delete 8, Admin 16; All 31.</param>
/// <param name="Scheme">The scheme, e.g. <c>world</c>, <c>auth</c>, <c>digest</c>, <c>ip</c>.</param>
/// <param name="Id">The identity within the scheme.</param>
public readonly record struct ZooKeeperAcl(int Permissions, string Scheme, string Id)
{
    /// <summary>All permissions.</summary>
    public const int All = 31;

    /// <summary>Everyone may do everything (<c>world:anyone</c>, all permissions).</summary>
    public static IReadOnlyList<ZooKeeperAcl> OpenUnsafe { get; } = [new(All, "world", "anyone")];

    /// <summary>Only the creator's authenticated identities may do anything (<c>auth:</c>, all permissions); needs credentials.</summary>
    public static IReadOnlyList<ZooKeeperAcl> CreatorAll { get; } = [new(All, "auth", string.Empty)];
}

/// <summary>The outcome of a create.</summary>
/// <param name="Path">The created node's path, with its sequence suffix, relative to the chroot.</param>
/// <param name="Stat">The new node's metadata.</param>
public sealed record CreateResult(string Path, ZooKeeperStat Stat);

/// <summary>A node's data and metadata.</summary>
/// <param name="Data">The data.</param>
/// <param name="Stat">The metadata.</param>
public sealed record DataResult(byte[] Data, ZooKeeperStat Stat);

/// <summary>A node's children and metadata.</summary>
/// <param name="Children">The children's names (not paths), in no particular order.</param>
/// <param name="Stat">The parent's metadata.</param>
public sealed record ChildrenResult(IReadOnlyList<string> Children, ZooKeeperStat Stat);

/// <summary>A watch notification, or the end of the session (type <see cref="WatchedEventType.None"/>).</summary>
/// <param name="Type">What happened.</param>
/// <param name="State">The session's state when the event was delivered.</param>
/// <param name="Path">The watched path, relative to the chroot.</param>
public sealed record WatchedEvent(WatchedEventType Type, ZooKeeperConnectionState State, string? Path);

/// <summary>A one-time watch callback; called at most once per registration, off the client's receive loop.</summary>
/// <param name="watchedEvent">What happened.</param>
public delegate void ZooKeeperWatcher(WatchedEvent watchedEvent);

/// <summary>The result of one operation of a multi.</summary>
/// <param name="Error">Ok, or the op's error; in a failed multi, Ok marks an op rolled back and <see cref="ZooKeeperErrorCode.RuntimeInconsistency"/> one not tried.</param>
/// <param name="CreatedPath">For a create: the created path relative to the chroot.</param>
/// <param name="Stat">For a set: the node's new metadata; for a create, only when the server sends it (ZooKeeper 3.8 does not in a multi).</param>
public sealed record OpResult(ZooKeeperErrorCode Error, string? CreatedPath, ZooKeeperStat? Stat);
