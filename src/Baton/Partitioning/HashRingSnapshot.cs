using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;

namespace Baton.Partitioning;

/// <summary>
/// One immutable state of a <see cref="HashRing"/>: its members and their points. Take
/// <see cref="HashRing.Current"/> once and ask it several questions to get answers that agree with
/// each other; the snapshot never changes, so it may be shared between threads freely.
/// </summary>
/// <remarks>
/// A key belongs to the first point clockwise from the key's hash: the point with the smallest
/// hash at or above it, wrapping round to the smallest point. docs/partitioning.md gives the exact
/// hashing scheme, so other languages can compute the same owners.
/// </remarks>
public sealed class HashRingSnapshot
{
    private readonly RingMember[] _members;
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _indexById;

    // Parallel arrays sorted by (hash, member index): a lookup is a binary search over plain
    // ulongs, and member indexes follow the members' UTF-8 order, so equal hashes tie by id.
    private readonly ulong[] _hashes;
    private readonly int[] _owners;

    private HashRingSnapshot(RingMember[] members, ulong[] hashes, int[] owners, long version)
    {
        _members = members;
        _ids = Array.ConvertAll(members, m => m.Id);
        _indexById = new Dictionary<string, int>(members.Length, StringComparer.Ordinal);
        for (var i = 0; i < members.Length; i++)
        {
            _indexById.Add(members[i].Id, i);
        }

        _hashes = hashes;
        _owners = owners;
        Version = version;
        Members = ImmutableCollectionsMarshal.AsImmutableArray(members);
    }

    /// <summary>The members, ordered by the UTF-8 bytes of their ids (code point order).</summary>
    public IReadOnlyList<RingMember> Members { get; }

    /// <summary>0 for a new ring, then one more with every change.</summary>
    public long Version { get; }

    /// <summary>How many points (virtual nodes) the ring has, over all members.</summary>
    public int PointCount => _hashes.Length;

    /// <summary>Whether a member with this id is on the ring.</summary>
    /// <param name="memberId">The member id.</param>
    public bool Contains(string memberId) => TryGetMember(memberId, out _);

    /// <summary>The member with this id, if it is on the ring.</summary>
    /// <param name="memberId">The member id.</param>
    /// <param name="member">The member, or null.</param>
    public bool TryGetMember(string memberId, [NotNullWhen(true)] out RingMember? member)
    {
        ArgumentNullException.ThrowIfNull(memberId);
        var found = _indexById.TryGetValue(memberId, out var index);
        member = found ? _members[index] : null;
        return found;
    }

    /// <summary>The id of the member that owns <paramref name="key"/>, or null when the ring is empty.</summary>
    /// <param name="key">Any string; it is hashed as UTF-8.</param>
    public string? OwnerOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Owner(RingHash.Key(key.AsSpan()));
    }

    /// <summary>The id of the member that owns the key whose UTF-8 bytes (or any bytes) are <paramref name="key"/>, or null when the ring is empty.</summary>
    /// <param name="key">The key's bytes; a string key's UTF-8 bytes give the same owner as the string.</param>
    public string? OwnerOf(ReadOnlySpan<byte> key) => Owner(RingHash.Key(key));

    /// <summary>
    /// Up to <paramref name="count"/> distinct members for <paramref name="key"/>, walking clockwise
    /// from it: the first is the owner, the next the member that would own the key without it, and so
    /// on. Fewer when the ring has fewer members; empty when it has none.
    /// </summary>
    /// <param name="key">Any string; it is hashed as UTF-8.</param>
    /// <param name="count">How many replicas, at least 1.</param>
    public IReadOnlyList<string> ReplicasOf(string key, int count)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Replicas(RingHash.Key(key.AsSpan()), count);
    }

    /// <summary>As <see cref="ReplicasOf(string, int)"/>, for a key given as bytes.</summary>
    /// <param name="key">The key's bytes.</param>
    /// <param name="count">How many replicas, at least 1.</param>
    public IReadOnlyList<string> ReplicasOf(ReadOnlySpan<byte> key, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Replicas(RingHash.Key(key), count);
    }

    /// <summary>
    /// The fraction of <paramref name="keys"/> whose owner differs between two snapshots: what a
    /// change would move. Either snapshot may be empty (its owner is null).
    /// </summary>
    /// <param name="before">The snapshot before.</param>
    /// <param name="after">The snapshot after.</param>
    /// <param name="keys">The keys to compare; at least one.</param>
    public static double MovedFraction(HashRingSnapshot before, HashRingSnapshot after, IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(keys);
        long total = 0, moved = 0;
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            var hash = RingHash.Key(key.AsSpan());
            total++;
            if (!string.Equals(before.Owner(hash), after.Owner(hash), StringComparison.Ordinal))
            {
                moved++;
            }
        }

        return total == 0
            ? throw new ArgumentException("MovedFraction needs at least one key; the sequence was empty.", nameof(keys))
            : (double)moved / total;
    }

    /// <summary>A snapshot of <paramref name="members"/>, which must be unique and in <see cref="Sort"/>'s order.</summary>
    internal static HashRingSnapshot Create(RingMember[] members, int virtualNodesPerWeight, long version)
    {
        var total = 0L;
        foreach (var member in members)
        {
            total += RingHash.PointCount(member.Weight, virtualNodesPerWeight);
        }

        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"These {members.Length:N0} members would need {total:N0} ring points, more than an array holds; lower the weights or HashRingOptions.VirtualNodesPerWeight.", nameof(members));
        }

        var hashes = new ulong[total];
        var owners = new int[total];
        var next = 0;
        for (var m = 0; m < members.Length; m++)
        {
            var count = RingHash.PointCount(members[m].Weight, virtualNodesPerWeight);
            RingHash.Points(Encoding.UTF8.GetBytes(members[m].Id), hashes.AsSpan(next, count));
            owners.AsSpan(next, count).Fill(m);
            next += count;
        }

        SortPoints(hashes, owners);
        return new HashRingSnapshot(members, hashes, owners, version);
    }

    /// <summary>Sorts points by hash, then equal hashes by member index: the ring's tie rule.</summary>
    /// <remarks>
    /// Sorting plain ulong keys is several times faster than sorting (hash, member) pairs; equal
    /// hashes, which are rare, are put in member order afterwards.
    /// </remarks>
    internal static void SortPoints(ulong[] hashes, int[] owners)
    {
        Array.Sort(hashes, owners);
        for (var i = 1; i < hashes.Length; i++)
        {
            if (hashes[i] == hashes[i - 1])
            {
                var end = i + 1;
                while (end < hashes.Length && hashes[end] == hashes[i])
                {
                    end++;
                }

                owners.AsSpan(i - 1, end - i + 1).Sort();
                i = end;
            }
        }
    }

    /// <summary>Sorts members by the UTF-8 bytes of their ids, the order that breaks ties between equal points.</summary>
    internal static void Sort(RingMember[] members)
    {
        var keys = Array.ConvertAll(members, m => Encoding.UTF8.GetBytes(m.Id));
        Array.Sort(keys, members, Utf8Order.Instance);
    }

    internal string? Owner(ulong hash)
    {
        if (_hashes.Length == 0)
        {
            return null;
        }

        var index = LowerBound(hash);
        return _ids[_owners[index == _hashes.Length ? 0 : index]];
    }

    private string[] Replicas(ulong hash, int count)
    {
        var wanted = Math.Min(count, _members.Length);
        if (wanted == 0)
        {
            return [];
        }

        var result = new string[wanted];
        var seen = _members.Length <= 256 ? stackalloc bool[256] : new bool[_members.Length];
        seen.Clear();
        var found = 0;

        // Ends: every member has at least one point, and wanted ≤ members.
        for (var index = LowerBound(hash); found < wanted; index++)
        {
            if (index == _hashes.Length)
            {
                index = 0;
            }

            var owner = _owners[index];
            if (!seen[owner])
            {
                seen[owner] = true;
                result[found++] = _ids[owner];
            }
        }

        return result;
    }

    /// <summary>The first index whose hash is at least <paramref name="hash"/>, or the length when none is.</summary>
    private int LowerBound(ulong hash)
    {
        var hashes = _hashes;
        int low = 0, high = hashes.Length;
        while (low < high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (hashes[middle] < hash)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
