using Baton.ZooKeeper.Layout;

namespace Baton.ZooKeeper.Queue;

/// <summary>The paths of one name, worked out once per primitive (see <see cref="NodeLayout"/>).</summary>
internal sealed class PreparedName
{
    public PreparedName(NodeLayout layout, LockKind kind, string name)
    {
        Kind = kind;
        Name = name;
        var node = NodeLayout.Escape(name);
        if (kind == LockKind.Semaphore)
        {
            Leases = layout.Semaphores + "/" + node;
            Queue = layout.Semaphores + "/" + NodeLayout.SemaphoreLockOf(node);
            Records = layout.SemaphoreRecords + "/" + node;
        }
        else if (kind == LockKind.Group)
        {
            Queue = layout.Groups + "/" + node;
            Records = layout.GroupRecords + "/" + node;
        }
        else
        {
            Queue = layout.Locks + "/" + node;
            Records = layout.LockRecords + "/" + node;
        }
    }

    public LockKind Kind { get; }

    public string Name { get; }

    /// <summary>Where contenders queue: the lock itself (a group's members are its readers), or a semaphore's lock.</summary>
    public string Queue { get; }

    /// <summary>A semaphore's lease nodes (kazoo's semaphore path); null for locks and groups.</summary>
    public string? Leases { get; }

    /// <summary>The hold records.</summary>
    public string Records { get; }

    /// <summary>The session (by id) in which the directories were last seen to exist; they are containers, so they may go when empty.</summary>
    public long EnsuredIn { get; set; }

    /// <summary>The semaphore count checked against the lease node's data in <see cref="EnsuredIn"/>.</summary>
    public int CheckedCount { get; set; }

    public string Contender(string node) => Queue + "/" + node;

    public string Record(string owner) => Records + "/" + owner;

    public string Lease(string owner) => Leases + "/" + owner;
}
