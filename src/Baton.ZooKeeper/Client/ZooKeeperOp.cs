namespace Baton.ZooKeeper.Client;

/// <summary>One operation of an atomic <see cref="ZooKeeperClient.MultiAsync"/>.</summary>
/// <param name="Path">The node's path, relative to the chroot.</param>
public abstract record ZooKeeperOp(string Path)
{
    /// <summary>Creates a node (results carry its path and stat).</summary>
    /// <param name="Path">The node's path.</param>
    /// <param name="Data">The data.</param>
    /// <param name="Mode">The kind of node.</param>
    /// <param name="Acl">The ACL; null means <see cref="ZooKeeperAcl.OpenUnsafe"/>.</param>
    public sealed record Create(string Path, ReadOnlyMemory<byte> Data, CreateMode Mode, IReadOnlyList<ZooKeeperAcl>? Acl = null) : ZooKeeperOp(Path);

    /// <summary>Deletes a node at a version (-1: any).</summary>
    /// <param name="Path">The node's path.</param>
    /// <param name="Version">The expected version; -1 for any.</param>
    public sealed record Delete(string Path, int Version) : ZooKeeperOp(Path);

    /// <summary>Sets a node's data at a version (-1: any).</summary>
    /// <param name="Path">The node's path.</param>
    /// <param name="Data">The data.</param>
    /// <param name="Version">The expected version; -1 for any.</param>
    public sealed record SetData(string Path, ReadOnlyMemory<byte> Data, int Version) : ZooKeeperOp(Path);

    /// <summary>Fails the multi unless the node exists at a version (-1: any).</summary>
    /// <param name="Path">The node's path.</param>
    /// <param name="Version">The expected version; -1 for any.</param>
    public sealed record Check(string Path, int Version) : ZooKeeperOp(Path);
}
