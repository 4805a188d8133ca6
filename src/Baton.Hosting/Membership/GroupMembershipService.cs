using Baton.Hosting.Diagnostics;
using Baton.Hosting.Internal;
using Baton.Partitioning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting;

/// <summary>
/// Keeps this instance a member of a group while the host runs — it joins at start, joins again after the membership
/// is lost, and leaves at stop — and keeps a <see cref="HashRing"/> of the group's members, so that the application
/// can ask which member owns a key. Registered by <c>services.AddBaton(…).AddGroupMembership("group")</c>; inject it
/// as <c>GroupMembershipService</c> (the first group registered) or <c>[FromKeyedServices("group")] GroupMembershipService</c>.
/// </summary>
/// <remarks>
/// Ownership by the ring is advisory: during a change, two members may briefly both think they own a key (each sees
/// the group a little apart). Work that must never run twice takes a lock on the key, or passes a fencing token to
/// the resource; the ring spreads the keys so that such locks are rarely contended.
/// </remarks>
public sealed class GroupMembershipService : BackgroundService
{
    private readonly BatonConnection _connection;
    private readonly IOptionsMonitor<GroupMembershipOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private volatile GroupMembership? _membership;
    private volatile string? _memberId;

    // Completed once a member that the ring includes; replaced by a pending one when the membership ends. Completed
    // under _gate, by the join or by the ring's change, whichever comes second.
    private readonly Lock _gate = new();
    private volatile TaskCompletionSource<GroupMembership> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal GroupMembershipService(
        string group, BatonConnection connection, IOptionsMonitor<GroupMembershipOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        Group = group;
        _connection = connection;
        _options = options;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<GroupMembershipService>();
        Ring = new HashRing(new HashRingOptions { VirtualNodesPerWeight = options.Get(group).VirtualNodesPerWeight });
        Ring.Changed += (_, change) => CompleteJoinIfOnRing(change.Current);
    }

    /// <summary>The group's name.</summary>
    public string Group { get; }

    /// <summary>The id this instance joined with; null until it first joined.</summary>
    public string? MemberId => _memberId;

    /// <summary>The current membership, or null while this instance is not a member (before joining, after losing it).</summary>
    public GroupMembership? Membership => _membership;

    /// <summary>True while this instance is a member.</summary>
    public bool IsMember => _membership is { IsLost: false, HasLeft: false };

    /// <summary>
    /// The group's members as a hash ring, kept up to date while the host runs (weights from the members'
    /// capabilities). Watch it with <see cref="HashRing.Changed"/> or <see cref="HashRing.WatchAsync"/> to rebalance.
    /// </summary>
    public HashRing Ring { get; }

    /// <summary>
    /// Completes with the membership once this instance is a member and <see cref="Ring"/> includes it, so that
    /// <see cref="Owns"/> answers for it (at once if both hold). A membership can be lost right after: check
    /// <see cref="GroupMembership.IsLost"/> or watch its <see cref="GroupMembership.LostToken"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<GroupMembership> WaitForMembershipAsync(CancellationToken cancellationToken = default) =>
        _joined.Task.WaitAsync(cancellationToken);

    /// <summary>The id of the member that owns <paramref name="key"/>, or null while the group has no members.</summary>
    /// <param name="key">Any string; it is hashed as UTF-8.</param>
    public string? OwnerOf(string key) => Ring.OwnerOf(key);

    /// <summary>True when this instance is a member and owns <paramref name="key"/> on the ring as it is now.</summary>
    /// <param name="key">Any string; it is hashed as UTF-8.</param>
    public bool Owns(string key) =>
        _membership is { IsLost: false, HasLeft: false } membership && string.Equals(Ring.OwnerOf(key), membership.MemberId, StringComparison.Ordinal);

    /// <summary>The group's members as the backend lists them now, with capabilities and processes, in the order they joined.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async ValueTask<IReadOnlyList<GroupMember>> GetMembersAsync(CancellationToken cancellationToken = default)
    {
        var coordinator = await _connection.GetCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        return await coordinator.CreateGroup(Group).GetMembersAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Joins and follows the group until the host stops, then leaves.</summary>
    /// <param name="stoppingToken">Fires when the host stops.</param>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.Get(Group);
        await Task.WhenAll(FollowAsync(options, stoppingToken), StayMemberAsync(options, stoppingToken)).ConfigureAwait(false);
    }

    // The ring follows the backend, this instance included once its join shows there, so every member computes
    // owners from the same list.
    private async Task FollowAsync(GroupMembershipOptions options, CancellationToken stopping)
    {
        var backoff = new Backoff(options.RetryDelay, options.MaxRetryDelay);
        while (!stopping.IsCancellationRequested)
        {
            var started = _timeProvider.GetTimestamp();
            try
            {
                var coordinator = await _connection.GetCoordinatorAsync(stopping).ConfigureAwait(false);
                await coordinator.CreateGroup(Group).FollowAsync(Ring, stopping).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = backoff.AfterFailure(_timeProvider.GetElapsedTime(started));
                Log.FollowFailed(_logger, Group, delay, e);
                if (!await Pause.ForAsync(delay, _timeProvider, stopping).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    private async Task StayMemberAsync(GroupMembershipOptions options, CancellationToken stopping)
    {
        var backoff = new Backoff(options.RetryDelay, options.MaxRetryDelay);
        while (!stopping.IsCancellationRequested)
        {
            GroupMembership membership;
            try
            {
                var coordinator = await _connection.GetCoordinatorAsync(stopping).ConfigureAwait(false);
                membership = await coordinator.CreateGroup(Group)
                    .JoinAsync(options.MemberId, options.Capabilities, options.JoinTimeout, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = backoff.AfterFailure(TimeSpan.Zero);
                Log.JoinFailed(_logger, Group, delay, e);
                if (!await Pause.ForAsync(delay, _timeProvider, stopping).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            var joined = _timeProvider.GetTimestamp();
            lock (_gate)
            {
                _memberId = membership.MemberId;
                _membership = membership;
                CompleteJoinIfOnRing(Ring.Current);
            }

            Log.Joined(_logger, Group, membership.MemberId, membership.Token);
            await Pause.UntilAsync(stopping, membership.LostToken).ConfigureAwait(false);

            // Read before leaving, which ends the handle either way.
            var lost = membership.LossReason;
            lock (_gate)
            {
                _membership = null;
                _joined = new TaskCompletionSource<GroupMembership>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            await membership.LeaveAsync().ConfigureAwait(false);
            if (lost is not { } reason)
            {
                Log.Left(_logger, Group, membership.MemberId, membership.Token);
                return;
            }

            var retry = backoff.AfterFailure(_timeProvider.GetElapsedTime(joined));
            Log.MembershipLost(_logger, Group, membership.MemberId, membership.Token, reason, retry);
            if (!await Pause.ForAsync(retry, _timeProvider, stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private void CompleteJoinIfOnRing(HashRingSnapshot ring)
    {
        lock (_gate)
        {
            if (_membership is { } membership && ring.Contains(membership.MemberId))
            {
                _joined.TrySetResult(membership);
            }
        }
    }
}
