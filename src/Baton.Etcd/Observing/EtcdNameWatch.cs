using Baton.Backends;
using Baton.Etcd.Connection;
using Baton.Etcd.Queue;

namespace Baton.Etcd.Observing;

/// <summary>
/// An observer's watch on one name (elections, groups): an etcd watch on the name's contender prefix, on the
/// coordinator's one watch stream, which wakes the observer when one of the name's own keys changes (not a longer
/// name's, nor the semaphore's of the same name). It also wakes it when it can no longer tell: the coordinator's
/// lease was lost, the watch stream broke (the watch resumes where it stopped, but the caller learns whether etcd is
/// still there), or etcd ended the watch (compaction; it is then watched again from now).
/// </summary>
internal sealed class EtcdNameWatch : NameWatch
{
    private readonly EtcdBackend _backend;
    private readonly PreparedName _name;
    private readonly ChangeSignal _changed = new();
    private readonly Lock _gate = new();
    private EtcdWatch? _watch;
    private LeaseSession? _session;
    private CancellationTokenRegistration _sessionLost;
    private bool _disposed;

    private EtcdNameWatch(EtcdBackend backend, PreparedName name)
    {
        _backend = backend;
        _name = name;
    }

    /// <summary>Watches the name; returns once etcd confirmed the watch, so every later change wakes it.</summary>
    public static async Task<EtcdNameWatch> StartAsync(EtcdBackend backend, PreparedName name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = new EtcdNameWatch(backend, name);
        backend.Hub.StreamBroke += watch._changed.Set;
        try
        {
            await watch.WatchAsync(timeout, cancellationToken).ConfigureAwait(false);
            watch.FollowSession();
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
        FollowSession();
        await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        EtcdWatch? watch;
        lock (_gate)
        {
            _disposed = true;
            watch = _watch;
            _watch = null;
        }

        _backend.Hub.StreamBroke -= _changed.Set;
        await _sessionLost.DisposeAsync().ConfigureAwait(false);
        if (watch is not null)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WatchAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = await _backend.Hub.WatchAsync(_name.Contenders, _name.ContendersEnd, 0, OnEvents, OnEnded, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (!_disposed)
            {
                _watch = watch;
            }
        }

        if (_disposed)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            return;
        }

        // Watched from the revision etcd created it at: the caller's read that follows is at that revision or later.
        try
        {
            await watch.Created.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new BackendUnavailableException($"etcd at {_backend.DisplayUrl} did not confirm a watch on '{_name.Name}' within {timeout.TotalSeconds:0} s.", e);
        }
    }

    private void OnEvents(IReadOnlyList<Mvccpb.Event> events)
    {
        foreach (var e in events)
        {
            if (_name.Owns(e.Kv.Key))
            {
                _changed.Set();
                return;
            }
        }
    }

    // etcd ended the watch (its revision was compacted away while the stream was down): watch again from now, then
    // wake the caller, whose next read sees whatever was missed.
    private void OnEnded() => _ = RewatchAsync();

    private async Task RewatchAsync()
    {
        try
        {
            await WatchAsync(EtcdBackend.CallTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackendUnavailableException or ObjectDisposedException or OperationCanceledException)
        {
            // The wake below makes the caller read; a read that fails tells it etcd is gone.
        }

        _changed.Set();
    }

    /// <summary>Wakes on the loss of the coordinator's current lease (a new one replaces a lost one at the next acquisition).</summary>
    private void FollowSession()
    {
        var session = _backend.CurrentSession;
        if (session is null || session == _session)
        {
            return;
        }

        _session = session;
        _sessionLost.Dispose();
        _sessionLost = session.Lost.Register(static state => ((ChangeSignal)state!).Set(), _changed);
    }
}
