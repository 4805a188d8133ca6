namespace Baton.Backends;

/// <summary>
/// A backend's notice that the holders or waiters of one name may have changed (an etcd watch, a ZooKeeper child
/// watch, a channel, an in-memory event). It is created before the core reads the name, so a change that lands
/// between the read and the wait is not missed. Wakes without a change are allowed: the core reads the name again
/// and reports only what differs.
/// </summary>
public abstract class NameWatch : IAsyncDisposable
{
    /// <summary>
    /// Completes when the name may have changed since the watch was created or since the previous call completed,
    /// or when the watch can no longer tell (its session ended), so that the caller reads again.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public abstract ValueTask WaitForChangeAsync(CancellationToken cancellationToken);

    /// <summary>Stops watching.</summary>
    public abstract ValueTask DisposeAsync();
}
