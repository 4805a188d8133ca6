using System.Globalization;
using System.Text;
using Baton.Backends;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Queue;

namespace Baton.ZooKeeper;

/// <summary>Calls: errors as Baton's exceptions, directories made on first use.</summary>
internal sealed partial class ZooKeeperBackend
{
    /// <summary>Runs a call; ZooKeeper's failures become <see cref="BackendUnavailableException"/> saying what failed (never the password).</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> call, string doing)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ZooKeeperException e) when (e.Code is ZooKeeperErrorCode.NoAuth or ZooKeeperErrorCode.AuthFailed)
        {
            throw new BackendUnavailableException(
                $"ZooKeeper at {DisplayUrl} refused to {doing} under '{_options.Prefix}' ({e.Code}): give a user name and password with rights on it in the URL.", e);
        }
        catch (ZooKeeperException e) when (e.Code is ZooKeeperErrorCode.ConnectionLoss or ZooKeeperErrorCode.SessionExpired or ZooKeeperErrorCode.OperationTimeout
            or ZooKeeperErrorCode.RequestTimeout or ZooKeeperErrorCode.SessionMoved or ZooKeeperErrorCode.Throttled)
        {
            throw new BackendUnavailableException($"ZooKeeper at {DisplayUrl} could not {doing}: {e.Code}.", e);
        }
    }

    public Task CallAsync(Func<Task> call, string doing) => CallAsync(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    }, doing);

    /// <summary>How many times a request whose answer was lost with the connection is sent again (each after the session reconnects).</summary>
    private const int MaxAttempts = 5;

    /// <summary>
    /// Whether a failed request lost only its answer with the connection (<c>ConnectionLoss</c>) while the session
    /// lives on: then the caller finds out whether it was applied, or sends it again. The client holds new requests
    /// until the session reconnects, so the next attempt waits for that.
    /// </summary>
    public static bool IsAnswerLost(ZooKeeperClient session, ZooKeeperException e, int attempt) =>
        e.Code == ZooKeeperErrorCode.ConnectionLoss && attempt < MaxAttempts && !session.SessionLost.IsCancellationRequested;

    /// <summary>Runs a request that may be applied twice safely (reads, deletes of nodes it checks, rewrites of the same data) until it is answered.</summary>
    public static async Task<T> RetryLostAsync<T>(ZooKeeperClient session, Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (ZooKeeperException e) when (IsAnswerLost(session, e, attempt))
            {
            }
        }
    }

    /// <summary>Creates a node (and its missing ancestors, as containers) unless it exists: one round trip when it does.</summary>
    public static async Task EnsureAsync(ZooKeeperClient session, string path, CreateMode mode, CancellationToken cancellationToken, byte[]? data = null)
    {
        try
        {
            await RetryLostAsync(session, () => session.CreateAsync(path, data ?? [], mode, cancellationToken)).ConfigureAwait(false);
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NodeExists)
        {
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
        {
            var parent = path[..path.LastIndexOf('/')];
            if (parent.Length == 0)
            {
                throw;
            }

            await EnsureAsync(session, parent, CreateMode.Container, cancellationToken).ConfigureAwait(false);
            await EnsureAsync(session, path, mode, cancellationToken, data).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The name's directories (containers, which the server may remove once empty, so once per session and again
    /// after a <c>NoNode</c>), and for a semaphore its count, kept as kazoo keeps it: the lease node's data.
    /// </summary>
    public static async Task EnsureNameAsync(ZooKeeperClient session, PreparedName name, int maxCount, bool again, CancellationToken cancellationToken)
    {
        if (!again && name.EnsuredIn == session.SessionId && (name.Kind != LockKind.Semaphore || name.CheckedCount == maxCount))
        {
            return;
        }

        var queue = EnsureAsync(session, name.Queue, CreateMode.Container, cancellationToken);
        var records = EnsureAsync(session, name.Records, CreateMode.Container, cancellationToken);
        await Task.WhenAll(queue, records).ConfigureAwait(false);
        if (name.Leases is { } leases)
        {
            await CheckCountAsync(session, name, leases, maxCount, cancellationToken).ConfigureAwait(false);
            name.CheckedCount = maxCount;
        }

        name.EnsuredIn = session.SessionId;
    }

    private static async Task CheckCountAsync(ZooKeeperClient session, PreparedName name, string leases, int maxCount, CancellationToken cancellationToken)
    {
        var count = Encoding.UTF8.GetBytes(maxCount.ToString(CultureInfo.InvariantCulture));
        while (true)
        {
            try
            {
                await RetryLostAsync(session, () => session.CreateAsync(leases, count, CreateMode.Container, cancellationToken)).ConfigureAwait(false);
                return;
            }
            catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NodeExists)
            {
            }

            DataResult stored;
            try
            {
                stored = await RetryLostAsync(session, () => session.GetDataAsync(leases, null, cancellationToken)).ConfigureAwait(false);
            }
            catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
            {
                continue;
            }

            if (!int.TryParse(Encoding.UTF8.GetString(stored.Data), NumberStyles.None, CultureInfo.InvariantCulture, out var storedCount) || storedCount == maxCount)
            {
                // kazoo ignores data that is not a number; so does Baton.
                return;
            }

            var waiting = await RetryLostAsync(session, () => session.GetChildrenAsync(name.Queue, null, cancellationToken)).ConfigureAwait(false);
            if (stored.Stat.NumChildren > 0 || waiting.Children.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Semaphore '{name.Name}' is in use with a count of {storedCount}; this request asked for {maxCount}. Every user of a semaphore must agree on its count.");
            }

            // Nobody holds or waits: the count is free to change (compared with the version read, so a racing user wins once).
            try
            {
                await session.SetDataAsync(leases, count, stored.Stat.Version, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ZooKeeperException e) when (e.Code is ZooKeeperErrorCode.BadVersion or ZooKeeperErrorCode.NoNode)
            {
            }
        }
    }

    /// <summary>Deletes nodes in one transaction, each if present (a node already gone is no failure): best effort.</summary>
    public async Task DeleteQuietlyAsync(ZooKeeperClient session, string name, params string[] paths)
    {
        if (session.SessionLost.IsCancellationRequested)
        {
            return;
        }

        try
        {
            try
            {
                await RetryLostAsync(session, () => session.MultiAsync([.. paths.Select(static p => (ZooKeeperOp)new ZooKeeperOp.Delete(p, -1))], CancellationToken.None)).ConfigureAwait(false);
            }
            catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode && paths.Length > 1)
            {
                await Task.WhenAll(paths.Select(async path =>
                {
                    try
                    {
                        await RetryLostAsync(session, async () =>
                        {
                            await session.DeleteAsync(path, -1, CancellationToken.None).ConfigureAwait(false);
                            return true;
                        }).ConfigureAwait(false);
                    }
                    catch (ZooKeeperException inner) when (inner.Code == ZooKeeperErrorCode.NoNode)
                    {
                    }
                })).ConfigureAwait(false);
            }
        }
        catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
        {
        }
        catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
        {
            Log.UndoFailed(_logger, e, name);
        }
    }
}
