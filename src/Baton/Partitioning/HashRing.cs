using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Baton.Internal;

namespace Baton.Partitioning;

/// <summary>
/// A consistent hash ring with virtual nodes and weights: which member owns a key, and which
/// members hold its replicas. When a member joins or leaves, only the keys it gains or loses move,
/// about 1/N of them. Independent of any backend: feed it a group's members with
/// <see cref="SetMembers"/> and it tells who owns what.
/// </summary>
/// <remarks>
/// Thread-safe. Readers never lock: <see cref="Current"/> is an immutable
/// <see cref="HashRingSnapshot"/> swapped atomically by each change. Changes are serialised, and
/// each one that changes something is announced once, in order, through <see cref="Changed"/> and
/// every <see cref="WatchAsync"/> enumeration; one that changes nothing is not announced.
/// </remarks>
public sealed class HashRing
{
    private readonly Lock _gate = new();
    private readonly int _virtualNodesPerWeight;
    private volatile HashRingSnapshot _current;

    // Both guarded by _gate.
    private ImmutableArray<ChannelWriter<RingChangedEventArgs>> _watchers = [];
    private bool _notifying;

    /// <summary>An empty ring.</summary>
    /// <param name="options">Options; the defaults when null.</param>
    public HashRing(HashRingOptions? options = null)
        : this([], options)
    {
    }

    /// <summary>A ring of <paramref name="members"/> (version 0).</summary>
    /// <param name="members">The members; their ids must be unique.</param>
    /// <param name="options">Options; the defaults when null.</param>
    public HashRing(IEnumerable<RingMember> members, HashRingOptions? options = null)
    {
        Options = options ?? new HashRingOptions();
        Options.Validate();
        _virtualNodesPerWeight = Options.VirtualNodesPerWeight;
        var initial = Unique(members, nameof(members));
        HashRingSnapshot.Sort(initial);
        _current = HashRingSnapshot.Create(initial, _virtualNodesPerWeight, version: 0);
    }

    /// <summary>Raised after each change, on the thread that made it, before the change's method returns.</summary>
    /// <remarks>
    /// Handlers run one change at a time, in order, while further changes wait: keep them short. A
    /// handler must not change this ring (that throws <see cref="InvalidOperationException"/>); an
    /// exception from a handler reaches the caller of the change, which has happened nonetheless.
    /// </remarks>
    public event EventHandler<RingChangedEventArgs>? Changed;

    /// <summary>The options the ring was made with.</summary>
    public HashRingOptions Options { get; }

    /// <summary>The ring as it is now: an immutable snapshot.</summary>
    public HashRingSnapshot Current => _current;

    /// <summary>Adds the member, or changes its weight if a member with its id is on the ring.</summary>
    /// <param name="member">The member.</param>
    public void AddOrUpdate(RingMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        Change(current =>
        {
            var members = current.Members.Where(m => !string.Equals(m.Id, member.Id, StringComparison.Ordinal)).ToList();
            members.Add(member);
            return [.. members];
        });
    }

    /// <summary>Removes the member with this id; false when there was none.</summary>
    /// <param name="memberId">The member id.</param>
    public bool Remove(string memberId)
    {
        NameValidation.Validate(memberId, nameof(memberId), "A ring member id");
        return Change(current => current.Contains(memberId)
            ? [.. current.Members.Where(m => !string.Equals(m.Id, memberId, StringComparison.Ordinal))]
            : null);
    }

    /// <summary>
    /// Replaces all members at once: one change, one notification, however many members joined, left
    /// or changed weight; none when the set is the same. This is how group membership feeds the ring.
    /// </summary>
    /// <param name="members">The new members; their ids must be unique.</param>
    public void SetMembers(IEnumerable<RingMember> members)
    {
        var next = Unique(members, nameof(members));
        Change(_ => next);
    }

    /// <summary>The id of the member that owns <paramref name="key"/> now, or null when the ring is empty.</summary>
    /// <param name="key">Any string; it is hashed as UTF-8.</param>
    public string? OwnerOf(string key) => _current.OwnerOf(key);

    /// <summary>The id of the member that owns the key with these bytes now, or null when the ring is empty.</summary>
    /// <param name="key">The key's bytes; a string key's UTF-8 bytes give the same owner as the string.</param>
    public string? OwnerOf(ReadOnlySpan<byte> key) => _current.OwnerOf(key);

    /// <summary>See <see cref="HashRingSnapshot.ReplicasOf(string, int)"/>: distinct members clockwise from the key, owner first.</summary>
    /// <param name="key">Any string; it is hashed as UTF-8.</param>
    /// <param name="count">How many replicas, at least 1; fewer come back when the ring has fewer members.</param>
    public IReadOnlyList<string> ReplicasOf(string key, int count) => _current.ReplicasOf(key, count);

    /// <summary>See <see cref="HashRingSnapshot.ReplicasOf(ReadOnlySpan{byte}, int)"/>.</summary>
    /// <param name="key">The key's bytes.</param>
    /// <param name="count">How many replicas, at least 1.</param>
    public IReadOnlyList<string> ReplicasOf(ReadOnlySpan<byte> key, int count) => _current.ReplicasOf(key, count);

    /// <summary>
    /// Every change from the moment the enumeration starts, once each, in order, none lost (each
    /// watcher has its own unbounded queue, so a slow reader delays only itself). Ends by throwing
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <remarks>
    /// To start from a known state without a gap, read <see cref="Current"/> after starting the
    /// enumeration and skip events whose <see cref="RingChangedEventArgs.Current"/> version is not
    /// above it.
    /// </remarks>
    /// <param name="cancellationToken">Stops watching.</param>
    public async IAsyncEnumerable<RingChangedEventArgs> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RingChangedEventArgs>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_gate)
        {
            _watchers = _watchers.Add(channel.Writer);
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var change))
                {
                    yield return change;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers = _watchers.Remove(channel.Writer);
            }
        }
    }

    /// <summary>Applies a change (null or the same members: none) and announces it; true when something changed.</summary>
    private bool Change(Func<HashRingSnapshot, RingMember[]?> change)
    {
        lock (_gate)
        {
            // Lock is reentrant, so a handler's own change would get here and be announced inside
            // the announcement of the one before it, out of order.
            if (_notifying)
            {
                throw new InvalidOperationException("A Changed handler must not change the ring it is handling; change it after the handler returns, or consume WatchAsync instead.");
            }

            var previous = _current;
            var members = change(previous);
            if (members is null)
            {
                return false;
            }

            HashRingSnapshot.Sort(members);
            if (RingChangedEventArgs.Diff(previous, members) is not var (joined, left, reweighted))
            {
                return false;
            }

            var next = HashRingSnapshot.Create(members, _virtualNodesPerWeight, previous.Version + 1);
            _current = next;
            var args = new RingChangedEventArgs(previous, next, ImmutableArray.Create(joined), ImmutableArray.Create(left), ImmutableArray.Create(reweighted));

            _notifying = true;
            try
            {
                // Watchers first, so a throwing handler cannot make them miss the change.
                foreach (var watcher in _watchers)
                {
                    watcher.TryWrite(args);
                }

                Changed?.Invoke(this, args);
            }
            finally
            {
                _notifying = false;
            }

            return true;
        }
    }

    private static RingMember[] Unique(IEnumerable<RingMember> members, string paramName)
    {
        ArgumentNullException.ThrowIfNull(members, paramName);
        var list = members.ToArray();
        var ids = new HashSet<string>(list.Length, StringComparer.Ordinal);
        for (var i = 0; i < list.Length; i++)
        {
            if (list[i] is null)
            {
                throw new ArgumentException($"The members must not contain null; item {i} is null.", paramName);
            }

            if (!ids.Add(list[i].Id))
            {
                throw new ArgumentException($"Member ids must be unique; '{list[i].Id}' appears more than once.", paramName);
            }
        }

        return list;
    }
}
