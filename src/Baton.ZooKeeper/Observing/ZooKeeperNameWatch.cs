using Baton.Backends;
using Baton.ZooKeeper.Client;

namespace Baton.ZooKeeper.Observing;

/// <summary>
/// An observer's watch on one name (elections, groups): a child watch on the name's directory (a semaphore's two:
/// its leases and its queue), or, while the directory does not exist, an exists watch that fires when it is made.
/// Every holder change adds or removes a child (a downgrade adds its mark), so children suffice. ZooKeeper's watches
/// fire once: a fired one is set again before the observer is woken, so its next read is covered. It also wakes the
/// observer when the connection drops (its next read waits for the reconnect, or fails with the session) and when the
/// session is lost; the next wait then watches again in the coordinator's new session, and wakes at once.
/// </summary>
/// <remarks>
/// The client cannot take a watch back before it fires (ZooKeeper 3.5's removeWatches is not spoken), so a disposed
/// watch's callbacks stay registered until their directory next changes, then do nothing: one per directory, not
/// one per wake.
/// </remarks>
internal sealed class ZooKeeperNameWatch : NameWatch
{
    private readonly ZooKeeperBackend _backend;
    private readonly string _name;
    private readonly Directory[] _directories;
    private readonly ChangeSignal _changed = new();
    private ZooKeeperClient? _session;
    private CancellationTokenRegistration _sessionLost;
    private volatile bool _disposed;

    private ZooKeeperNameWatch(ZooKeeperBackend backend, string name, string[] paths)
    {
        _backend = backend;
        _name = name;
        _directories = [.. paths.Select(path => new Directory(this, path))];
    }

    /// <summary>Watches the directories; returns once the server has every watch, so every later change wakes it.</summary>
    public static async Task<ZooKeeperNameWatch> StartAsync(ZooKeeperBackend backend, string name, string[] paths, CancellationToken cancellationToken)
    {
        var watch = new ZooKeeperNameWatch(backend, name, paths);
        try
        {
            await watch.ArmAsync(cancellationToken).ConfigureAwait(false);
            return watch;
        }
        catch
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask WaitForChangeAsync(CancellationToken cancellationToken)
    {
        if (_session is not { } session || session.SessionLost.IsCancellationRequested)
        {
            // Watches live in a session: the observer read since the loss woke it, so after watching again in the new
            // session it reads once more, which covers whatever changed in between.
            await ArmAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        await ArmAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        _disposed = true;
        Follow(null);
        await _sessionLost.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Sets every watch that is not set (all of them in a new session), in the coordinator's current session.</summary>
    private async Task ArmAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var session = await _backend.EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
            if (session != _session)
            {
                Follow(session);
                foreach (var directory in _directories)
                {
                    directory.Armed = false;
                }
            }

            try
            {
                await _backend.CallAsync(
                    () => Task.WhenAll(_directories.Where(static d => !d.Armed).Select(d => d.ArmAsync(session, cancellationToken))),
                    $"watch '{_name}'").ConfigureAwait(false);
                return;
            }
            catch (BackendUnavailableException) when (session.SessionLost.IsCancellationRequested && attempt == 1)
            {
                // The session ended under the call: once more, in a new one.
            }
        }
    }

    private void Follow(ZooKeeperClient? session)
    {
        if (_session is { } previous)
        {
            previous.StateChanged -= OnStateChanged;
        }

        _sessionLost.Dispose();
        _session = session;
        if (session is not null)
        {
            session.StateChanged += OnStateChanged;
            _sessionLost = session.SessionLost.Register(static state => ((ChangeSignal)state!).Set(), _changed);
        }
    }

    private void OnStateChanged(ZooKeeperConnectionState state)
    {
        if (state == ZooKeeperConnectionState.Suspended)
        {
            _changed.Set();
        }
    }

    /// <summary>One watched directory; its one callback, reused at every arming, marks it to be set again.</summary>
    private sealed class Directory
    {
        private readonly ZooKeeperNameWatch _owner;
        private readonly ZooKeeperWatcher _watcher;

        public Directory(ZooKeeperNameWatch owner, string path)
        {
            _owner = owner;
            Path = path;
            _watcher = OnEvent;
        }

        public string Path { get; }

        /// <summary>Whether the server holds a watch of ours on it now.</summary>
        public volatile bool Armed;

        public async Task ArmAsync(ZooKeeperClient session, CancellationToken cancellationToken)
        {
            // Before the request: an event that fires while it is answered marks it unset again.
            Armed = true;
            try
            {
                while (true)
                {
                    try
                    {
                        await ZooKeeperBackend.RetryLostAsync(session, () => session.GetChildrenAsync(Path, _watcher, cancellationToken)).ConfigureAwait(false);
                        return;
                    }
                    catch (ZooKeeperException e) when (e.Code == ZooKeeperErrorCode.NoNode)
                    {
                    }

                    // No directory (nobody has used the name, or it was removed once empty): watch for its creation. If
                    // it was made meanwhile, the exists watch is a data watch; then the child watch is set after all.
                    if (await ZooKeeperBackend.RetryLostAsync(session, () => session.ExistsAsync(Path, _watcher, cancellationToken)).ConfigureAwait(false) is null)
                    {
                        return;
                    }
                }
            }
            catch
            {
                Armed = false;
                throw;
            }
        }

        private void OnEvent(WatchedEvent watchedEvent)
        {
            Armed = false;
            if (!_owner._disposed)
            {
                _owner._changed.Set();
            }
        }
    }
}
