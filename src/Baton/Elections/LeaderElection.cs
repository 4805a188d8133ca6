using System.Runtime.CompilerServices;
using Baton.Internal;

namespace Baton;

/// <summary>
/// A leader election: candidates campaign, at most one leads at a time, and anyone can observe who leads. The
/// election is the exclusive lock of the same name — the leader is its holder and the term is the holder's
/// fencing token, which grows with every new leader — so on etcd and ZooKeeper it has the layout of
/// <c>etcdctl elect</c> and of kazoo's <c>Election</c>. Candidates lead in the order they campaigned where the
/// backend has an order. Get one from <see cref="Coordinator.CreateElection"/>.
/// </summary>
public sealed class LeaderElection
{
    private readonly Coordinator _coordinator;
    private readonly DistributedLock _lock;

    internal LeaderElection(Coordinator coordinator, string name)
    {
        _coordinator = coordinator;
        _lock = coordinator.CreateLock(name);
        Name = name;
    }

    /// <summary>The election's name.</summary>
    public string Name { get; }

    /// <summary>Campaigns until this candidate leads, or throws <see cref="TimeoutException"/> when the timeout passes first.</summary>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> campaigns until elected (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops campaigning, throwing <see cref="OperationCanceledException"/>.</param>
    /// <returns>The leadership; dispose it (or <see cref="Leadership.ResignAsync"/>) to resign.</returns>
    public async ValueTask<Leadership> CampaignAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        new(Name, await _lock.AcquireAsync(timeout, cancellationToken).ConfigureAwait(false), _coordinator.Member);

    /// <summary>Campaigns within the timeout; null when another candidate still leads when it passes.</summary>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> campaigns until elected.</param>
    /// <param name="cancellationToken">Stops campaigning, throwing <see cref="OperationCanceledException"/>.</param>
    public async ValueTask<Leadership?> TryCampaignAsync(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        await _lock.TryAcquireAsync(timeout, cancellationToken).ConfigureAwait(false) is { } handle
            ? new Leadership(Name, handle, _coordinator.Member)
            : null;

    /// <summary>The current leader, or null when nobody leads.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async ValueTask<LeaderInfo?> GetLeaderAsync(CancellationToken cancellationToken = default)
    {
        _coordinator.ThrowIfDisposed();
        return LeaderOf(await _coordinator.Backend.GetLockAsync(LockKind.Lock, Name, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The current leader (null: nobody leads), then each change of leader or term, once each, until cancelled. On
    /// backends without change notices the election is read every <see cref="CoordinatorOptions.WatchPollInterval"/>.
    /// </summary>
    /// <param name="cancellationToken">Ends the sequence.</param>
    public async IAsyncEnumerable<LeaderInfo?> WatchLeaderAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var first = true;
        LeaderInfo? previous = null;
        await foreach (var info in NameObserver.ObserveAsync(_coordinator, LockKind.Lock, Name, cancellationToken).ConfigureAwait(false))
        {
            var leader = LeaderOf(info);
            if (first || leader?.Term != previous?.Term || leader?.Leader != previous?.Leader)
            {
                yield return leader;
            }

            first = false;
            previous = leader;
        }
    }

    /// <summary>Shows the name.</summary>
    public override string ToString() => $"election '{Name}'";

    // Readers of a reader-writer lock of the same name are not leaders.
    private LeaderInfo? LeaderOf(LockInfo? info)
    {
        foreach (var holder in info?.Holders ?? [])
        {
            if (holder.Mode == LockMode.Exclusive)
            {
                return new LeaderInfo(Name, holder.Member, holder.FencingToken, holder.Since);
            }
        }

        return null;
    }
}
