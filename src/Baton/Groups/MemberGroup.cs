using System.Runtime.CompilerServices;
using System.Text.Json;
using Baton.Internal;

namespace Baton;

/// <summary>
/// A membership group: processes join with a member id and capabilities, everyone can list and watch the members,
/// and a member whose process dies leaves by itself (at once on the file and PostgreSQL backends, within its
/// session or lease time on etcd, Redis and ZooKeeper). Each member is a shared hold of the group's name in the
/// backend's group namespace, apart from lock and semaphore names. Get one from <see cref="Coordinator.CreateGroup"/>.
/// </summary>
public sealed class MemberGroup
{
    /// <summary>How long a join may take when its timeout is zero (only a stalled backend takes more than a round trip).</summary>
    private static readonly TimeSpan JoinBound = TimeSpan.FromSeconds(30);

    private readonly Coordinator _coordinator;
    private readonly object? _preparedName;

    internal MemberGroup(Coordinator coordinator, string name)
    {
        _coordinator = coordinator;
        Name = name;
        _preparedName = coordinator.Backend.PrepareName(LockKind.Group, name);
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Joins the group. Member ids are unique within a group: while another process is a member with the same id,
    /// this waits for it to leave (a crashed member leaves when its session or lease ends) up to the timeout, then
    /// throws <see cref="InvalidOperationException"/> naming it.
    /// </summary>
    /// <param name="memberId">The member id; null for the coordinator's <see cref="CoordinatorOptions.MemberId"/>, or <c>host:pid</c> without one.</param>
    /// <param name="capabilities">What the member offers, as one JSON value of at most <see cref="MemberIdentity.MaxCapabilitiesBytes"/> bytes; null for none.</param>
    /// <param name="timeout">How long to wait for a member with the same id to leave; zero (the default) refuses at once.</param>
    /// <param name="cancellationToken">Stops joining, throwing <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentException">The member id or the capabilities are not valid.</exception>
    /// <exception cref="InvalidOperationException">Another member has the same id and did not leave within the timeout.</exception>
    public async ValueTask<GroupMembership> JoinAsync(
        string? memberId = null, string? capabilities = null, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        MemberIdentity.ValidateCustomId(memberId, nameof(memberId));
        MemberIdentity.ValidateCapabilities(capabilities, nameof(capabilities));
        TimeoutValidation.Validate(timeout, nameof(timeout));
        var self = _coordinator.Member;
        var id = memberId ?? self.CustomId ?? $"{self.Host}:{self.ProcessId}";
        var member = self with { CustomId = id, Capabilities = capabilities };
        var startedAt = _coordinator.TimeProvider.GetTimestamp();
        while (true)
        {
            // Nothing holds a group exclusively, so a member's shared hold comes at once; it is asked for as a wait (a
            // backend may refuse a mere try that meets another joiner at the same instant), bounded so that a stalled
            // backend cannot hold the caller for ever.
            var remaining = Remaining();
            var grant = await Acquisition.RunAsync(
                _coordinator, Name, _preparedName, LockKind.Group, LockMode.Shared, 1, remaining == TimeSpan.Zero ? JoinBound : remaining, cancellationToken, member)
                .ConfigureAwait(false)
                ?? throw new TimeoutException($"Could not join group '{Name}' as '{id}' within {timeout}.");
            var handle = new LockHandle(_coordinator, Name, LockKind.Group, grant);
            GroupMember? earlier;
            try
            {
                earlier = EarlierWithSameId(await GetMembersAsync(cancellationToken).ConfigureAwait(false), id, handle.FencingToken);
            }
            catch
            {
                await handle.ReleaseAsync().ConfigureAwait(false);
                throw;
            }

            if (earlier is null)
            {
                return new GroupMembership(Name, id, capabilities, handle);
            }

            // Two joins with one id: the earlier join (smaller token) stays, so concurrent joiners agree on who yields.
            await handle.ReleaseAsync().ConfigureAwait(false);
            remaining = Remaining();
            if (remaining == TimeSpan.Zero || !await LeavesWithinAsync(earlier, remaining, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"'{id}' is already a member of group '{Name}' ({earlier.Process}, joined {earlier.JoinedAt:O}); member ids are unique within a group.");
            }
        }

        TimeSpan Remaining() =>
            timeout == Timeout.InfiniteTimeSpan ? timeout : Max(TimeSpan.Zero, timeout - _coordinator.TimeProvider.GetElapsedTime(startedAt));

        static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }

    /// <summary>The members, in the order they joined.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async ValueTask<IReadOnlyList<GroupMember>> GetMembersAsync(CancellationToken cancellationToken = default)
    {
        _coordinator.ThrowIfDisposed();
        return MembersOf(await _coordinator.Backend.GetLockAsync(LockKind.Group, Name, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// A <see cref="GroupChangeKind.Joined"/> for every current member, then every join and leave, once each, until
    /// cancelled. On backends without change notices the group is read every <see cref="CoordinatorOptions.WatchPollInterval"/>,
    /// so a member that joins and leaves between two reads is not seen.
    /// </summary>
    /// <param name="cancellationToken">Ends the sequence.</param>
    public async IAsyncEnumerable<GroupChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var previous = new Dictionary<long, GroupMember>();
        await foreach (var info in NameObserver.ObserveAsync(_coordinator, LockKind.Group, Name, cancellationToken).ConfigureAwait(false))
        {
            var current = MembersOf(info).ToDictionary(static m => m.Token);
            foreach (var gone in previous.Values.Where(m => !current.ContainsKey(m.Token)).OrderBy(static m => m.Token))
            {
                yield return new GroupChange(GroupChangeKind.Left, gone);
            }

            foreach (var joined in current.Values.Where(m => !previous.ContainsKey(m.Token)).OrderBy(static m => m.Token))
            {
                yield return new GroupChange(GroupChangeKind.Joined, joined);
            }

            previous = current;
        }
    }

    /// <summary>
    /// Keeps a hash ring's members equal to this group's until cancelled: each member's weight is the number in its
    /// capabilities' <c>"weight"</c> property, or 1. Returns when cancelled (without throwing).
    /// </summary>
    /// <param name="ring">The ring to keep up to date.</param>
    /// <param name="cancellationToken">Stops following.</param>
    public async Task FollowAsync(Partitioning.HashRing ring, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        try
        {
            await foreach (var info in NameObserver.ObserveAsync(_coordinator, LockKind.Group, Name, cancellationToken).ConfigureAwait(false))
            {
                ring.SetMembers(MembersOf(info).Select(static m => new Partitioning.RingMember(m.Id, WeightOf(m.Capabilities))));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Shows the name.</summary>
    public override string ToString() => $"group '{Name}'";

    private static List<GroupMember> MembersOf(LockInfo? info)
    {
        if (info is null)
        {
            return [];
        }

        var members = new List<GroupMember>(info.Holders.Count);
        foreach (var holder in info.Holders)
        {
            var m = holder.Member;
            members.Add(new GroupMember(m.CustomId ?? $"{m.Host}:{m.ProcessId}", m.Capabilities, m with { Capabilities = null }, holder.Since, holder.FencingToken));
        }

        members.Sort(static (a, b) => a.Token.CompareTo(b.Token));
        return members;
    }

    private static GroupMember? EarlierWithSameId(IReadOnlyList<GroupMember> members, string id, long ownToken) =>
        members.FirstOrDefault(m => m.Token < ownToken && string.Equals(m.Id, id, StringComparison.Ordinal));

    private async ValueTask<bool> LeavesWithinAsync(GroupMember member, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        try
        {
            await foreach (var info in NameObserver.ObserveAsync(_coordinator, LockKind.Group, Name, deadline.Token).ConfigureAwait(false))
            {
                if (!MembersOf(info).Any(m => m.Token == member.Token))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return false;
    }

    private static double WeightOf(string? capabilities)
    {
        if (capabilities is null)
        {
            return 1;
        }

        using var document = JsonDocument.Parse(capabilities);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("weight", out var weight)
            && weight.TryGetDouble(out var value)
            && value > 0 && value <= Partitioning.RingMember.MaxWeight
            ? value
            : 1;
    }
}
