using Baton.ZooKeeper.Client.Connection;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Protocol;

namespace Baton.ZooKeeper.Client;

/// <summary>The node operations.</summary>
public sealed partial class ZooKeeperClient
{
    /// <summary>The largest request the server takes by default (its jute.maxbuffer); a longer one would cost the connection.</summary>
    internal const int MaxRequestLength = 0xfffff;

    /// <summary>Creates a node (CREATE2, or createContainer for <see cref="CreateMode.Container"/>), returning its path and stat.</summary>
    /// <param name="path">The node's path; for sequential modes the server appends a 10-digit sequence number (the path may end with '/').</param>
    /// <param name="data">The node's data.</param>
    /// <param name="mode">The kind of node.</param>
    /// <param name="cancellationToken">Stops waiting for the reply (the node may still be created).</param>
    /// <param name="acl">The node's ACL; null means <see cref="ZooKeeperAcl.OpenUnsafe"/>.</param>
    /// <exception cref="ZooKeeperException">NodeExists, NoNode (no parent), NoChildrenForEphemerals, NoAuth, InvalidAcl, ConnectionLoss…</exception>
    public Task<CreateResult> CreateAsync(string path, ReadOnlyMemory<byte> data, CreateMode mode, CancellationToken cancellationToken, IReadOnlyList<ZooKeeperAcl>? acl = null)
    {
        PathRules.Validate(path, IsSequential(mode));
        return CreateCoreAsync(PathRules.Prepend(_chroot, path), path, data, mode, acl, cancellationToken);
    }

    /// <summary>Deletes a node.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The expected version; -1 for any.</param>
    /// <param name="cancellationToken">Stops waiting for the reply (the node may still be deleted).</param>
    /// <exception cref="ZooKeeperException">NoNode, BadVersion, NotEmpty, NoAuth, ConnectionLoss…</exception>
    public Task DeleteAsync(string path, int version, CancellationToken cancellationToken)
    {
        PathRules.Validate(path);
        var frame = Frame(OpCodes.Delete, (Path: PathRules.Prepend(_chroot, path), version), static (writer, state) => RequestRecords.WritePathVersion(writer, state.Path, state.version));
        return SendAsync(new PendingRequest<bool>(frame, path, (ZooKeeperErrorCode error, ref JuteReader _) => ThrowIfFailed(error, path)), cancellationToken);
    }

    /// <summary>A node's stat, or null when it does not exist; the watcher is registered either way (on an absent node it fires on creation).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watcher">Called once on the node's next creation, deletion or data change; null for none.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    public Task<ZooKeeperStat?> ExistsAsync(string path, ZooKeeperWatcher? watcher, CancellationToken cancellationToken)
    {
        PathRules.Validate(path);
        var frame = Frame(OpCodes.Exists, (Path: PathRules.Prepend(_chroot, path), Watch: watcher is not null), static (writer, state) => RequestRecords.WritePathWatch(writer, state.Path, state.Watch));
        return SendAsync(new PendingRequest<ZooKeeperStat?>(frame, path, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            if (error == ZooKeeperErrorCode.NoNode)
            {
                if (watcher is not null)
                {
                    _watches.AddExist(path, watcher);
                }

                return null;
            }

            ThrowIfFailed(error, path);
            var stat = reader.ReadStat();
            if (watcher is not null)
            {
                _watches.AddData(path, watcher);
            }

            return stat;
        }), cancellationToken);
    }

    /// <summary>A node's data and stat.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watcher">Called once on the node's next data change or deletion; null for none. Not registered when the node is absent.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <exception cref="ZooKeeperException">NoNode, NoAuth, ConnectionLoss…</exception>
    public Task<DataResult> GetDataAsync(string path, ZooKeeperWatcher? watcher, CancellationToken cancellationToken)
    {
        PathRules.Validate(path);
        var frame = Frame(OpCodes.GetData, (Path: PathRules.Prepend(_chroot, path), Watch: watcher is not null), static (writer, state) => RequestRecords.WritePathWatch(writer, state.Path, state.Watch));
        return SendAsync(new PendingRequest<DataResult>(frame, path, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            ThrowIfFailed(error, path);
            var data = reader.ReadBuffer();
            var stat = reader.ReadStat();
            if (watcher is not null)
            {
                _watches.AddData(path, watcher);
            }

            return new DataResult(data, stat);
        }), cancellationToken);
    }

    /// <summary>A node's children (names, not paths) and its stat (getChildren2).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watcher">Called once on the next child creation or deletion, or the node's deletion; null for none. Not registered when the node is absent.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <exception cref="ZooKeeperException">NoNode, NoAuth, ConnectionLoss…</exception>
    public Task<ChildrenResult> GetChildrenAsync(string path, ZooKeeperWatcher? watcher, CancellationToken cancellationToken)
    {
        PathRules.Validate(path);
        var frame = Frame(OpCodes.GetChildren2, (Path: PathRules.Prepend(_chroot, path), Watch: watcher is not null), static (writer, state) => RequestRecords.WritePathWatch(writer, state.Path, state.Watch));
        return SendAsync(new PendingRequest<ChildrenResult>(frame, path, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            ThrowIfFailed(error, path);
            var children = reader.ReadStringVector();
            var stat = reader.ReadStat();
            if (watcher is not null)
            {
                _watches.AddChild(path, watcher);
            }

            return new ChildrenResult(children, stat);
        }), cancellationToken);
    }

    /// <summary>Sets a node's data; returns its new stat.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">The data.</param>
    /// <param name="version">The expected version; -1 for any.</param>
    /// <param name="cancellationToken">Stops waiting for the reply (the data may still be set).</param>
    /// <exception cref="ZooKeeperException">NoNode, BadVersion, NoAuth, ConnectionLoss…</exception>
    public Task<ZooKeeperStat> SetDataAsync(string path, ReadOnlyMemory<byte> data, int version, CancellationToken cancellationToken)
    {
        PathRules.Validate(path);
        var frame = Frame(OpCodes.SetData, (Path: PathRules.Prepend(_chroot, path), Data: data, Version: version), static (writer, state) => RequestRecords.WriteSetData(writer, state.Path, state.Data.Span, state.Version));
        return SendAsync(new PendingRequest<ZooKeeperStat>(frame, path, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            ThrowIfFailed(error, path);
            return reader.ReadStat();
        }), cancellationToken);
    }

    /// <summary>Waits until the server this client is connected to has caught up with the leader (for reads after another client's write).</summary>
    /// <param name="path">A path (the server syncs the whole tree).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task SyncAsync(string path, CancellationToken cancellationToken)
    {
        PathRules.Validate(path);
        var frame = Frame(OpCodes.Sync, PathRules.Prepend(_chroot, path), static (writer, serverPath) => writer.WriteString(serverPath));
        return SendAsync(new PendingRequest<bool>(frame, path, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            ThrowIfFailed(error, path);
            reader.ReadString();
            return true;
        }), cancellationToken);
    }

    /// <summary>Creates the node and every missing ancestor (ancestors persistent, the node itself in <paramref name="mode"/>); existing ones are fine.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="mode">The kind of the node itself; not sequential.</param>
    public Task EnsurePathAsync(string path, CancellationToken cancellationToken, CreateMode mode = CreateMode.Persistent)
    {
        PathRules.Validate(path);
        if (IsSequential(mode))
        {
            throw new ArgumentException("EnsurePathAsync cannot create sequential nodes: each call would create another.", nameof(mode));
        }

        // The chroot itself may be missing too, so this works on server paths.
        var serverPath = PathRules.Prepend(_chroot, path);
        return serverPath == "/" ? Task.CompletedTask : EnsureServerPathAsync(serverPath, path, mode, cancellationToken);
    }

    private async Task EnsureServerPathAsync(string serverPath, string clientPath, CreateMode mode, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await CreateCoreAsync(serverPath, clientPath, ReadOnlyMemory<byte>.Empty, mode, null, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ZooKeeperException exception) when (exception.Code == ZooKeeperErrorCode.NodeExists)
            {
                return;
            }
            catch (ZooKeeperException exception) when (exception.Code == ZooKeeperErrorCode.NoNode)
            {
                var parent = PathRules.Parent(serverPath);
                if (parent is null or "/")
                {
                    throw;
                }

                await EnsureServerPathAsync(parent, PathRules.Strip(_chroot, parent), CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task<CreateResult> CreateCoreAsync(string serverPath, string clientPath, ReadOnlyMemory<byte> data, CreateMode mode, IReadOnlyList<ZooKeeperAcl>? acl, CancellationToken cancellationToken)
    {
        acl = CheckAcl(acl, mode);
        var opCode = mode == CreateMode.Container ? OpCodes.CreateContainer : OpCodes.Create2;
        var frame = Frame(opCode, (Path: serverPath, Data: data, Acl: acl, Mode: mode), static (writer, state) => RequestRecords.WriteCreate(writer, state.Path, state.Data.Span, state.Acl, state.Mode));
        return SendAsync(new PendingRequest<CreateResult>(frame, clientPath, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            ThrowIfFailed(error, clientPath);
            var created = reader.ReadRequiredString("created path");
            var stat = reader.ReadStat();
            return new CreateResult(PathRules.Strip(_chroot, created), stat);
        }), cancellationToken);
    }

    private static IReadOnlyList<ZooKeeperAcl> CheckAcl(IReadOnlyList<ZooKeeperAcl>? acl, CreateMode mode)
    {
        if (mode is < CreateMode.Persistent or > CreateMode.Container)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown create mode.");
        }

        acl ??= ZooKeeperAcl.OpenUnsafe;
        if (acl.Count == 0)
        {
            throw new ArgumentException("An ACL needs at least one entry.", nameof(acl));
        }

        return acl;
    }

    private static bool IsSequential(CreateMode mode) => mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential;

    private static bool ThrowIfFailed(ZooKeeperErrorCode error, string? path) =>
        error == ZooKeeperErrorCode.Ok ? true : throw new ZooKeeperException(error, path);

    private async Task<T> SendAsync<T>(PendingRequest<T> request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Frame.Length - 4 > MaxRequestLength)
        {
            throw new ZooKeeperException(ZooKeeperErrorCode.MarshallingError, request.Path, $"the request has {request.Frame.Length - 4} bytes, more than the {MaxRequestLength} a server takes by default (jute.maxbuffer)");
        }

        if (!_requests.Writer.TryWrite(request))
        {
            throw FinalError(request.Path);
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return await request.Task.ConfigureAwait(false);
        }

        using (cancellationToken.UnsafeRegister(static (state, token) => ((PendingRequest<T>)state!).Cancel(token), request))
        {
            return await request.Task.ConfigureAwait(false);
        }
    }
}
