using System.IO.Hashing;
using System.Text;
using Baton.Partitioning;
using Xunit;

namespace Baton.Tests.Partitioning;

/// <summary>
/// Two processes, two machines or another language must compute the same owners: the scheme of
/// docs/partitioning.md, checked against an independent naive implementation and against values
/// fixed in this file (a per-process hash such as string.GetHashCode would fail them in any run).
/// </summary>
public sealed class HashRingHashingTests
{
    [Theory]
    [InlineData("a", "member-1", "node/é")]
    [InlineData("b", "member-0", "member-0")]
    [InlineData("user:42", "member-4", "member-5")]
    [InlineData("", "member-3", "member-6")]
    [InlineData("ключ", "member-0", "member-0")]
    [InlineData("order/1001", "member-2", "member-3")]
    [InlineData("🙂", "member-4", "member-7")]
    public void OwnerOf_FixedKeys_GiveTheOwnersRecordedHere(string key, string ownerOfFive, string ownerOfWeighted)
    {
        var five = new HashRing(RingKeys.Members(5));
        var weighted = new HashRing(
            RingKeys.Members(10).Append(new RingMember("node/é", 2.5)),
            new HashRingOptions { VirtualNodesPerWeight = 64 });

        Assert.Equal(ownerOfFive, five.OwnerOf(key));
        Assert.Equal(ownerOfWeighted, weighted.OwnerOf(key));
    }

    [Fact]
    public void Hash_IsXxh3SeedZeroOverUtf8()
    {
        // XXH3-64's published value for empty input, then values this scheme must keep forever.
        Assert.Equal(0x2D06800538D394C2UL, XxHash3.HashToUInt64([]));
        Assert.Equal(0x9FC1E605FA7174AAUL, XxHash3.HashToUInt64("user:42"u8));
        Assert.Equal(0x1318F884EFD81038UL, XxHash3.HashToUInt64("member-0#0"u8));
    }

    [Fact]
    public void OwnerOf_ManyKeys_MatchesANaiveImplementationOfTheDocumentedScheme()
    {
        var members = RingKeys.Members(7).Append(new RingMember("ü-weighted", 1.7)).Append(new RingMember("light", 0.01)).ToArray();
        var options = new HashRingOptions { VirtualNodesPerWeight = 50 };
        var ring = new HashRing(members, options);
        var reference = NaiveRing(members, options.VirtualNodesPerWeight);

        foreach (var key in RingKeys.HundredThousand.Take(5_000))
        {
            Assert.Equal(NaiveOwner(reference, key), ring.OwnerOf(key));
        }
    }

    [Fact]
    public void OwnerOf_StringAndItsUtf8Bytes_AgreeForEveryKey()
    {
        var ring = new HashRing(RingKeys.Members(10));

        foreach (var key in new[] { "a", "ключ", "🙂", new string('x', 2_000), "" }.Concat(RingKeys.HundredThousand.Take(1_000)))
        {
            Assert.Equal(ring.OwnerOf(key), ring.OwnerOf(Encoding.UTF8.GetBytes(key)));
        }
    }

    [Fact]
    public void Members_AreOrderedByUtf8Bytes_NotUtf16()
    {
        // UTF-16 ordinal puts the surrogate pair of U+1F642 (D83D…) before U+FF61; UTF-8 (and code
        // point) order puts EF BD A1 before F0 9F 99 82. Ties between equal points follow this order.
        var ring = new HashRing([new RingMember("🙂"), new RingMember("\uFF61"), new RingMember("a")]);

        Assert.Equal(["a", "\uFF61", "🙂"], ring.Current.Members.Select(m => m.Id));
    }

    [Fact]
    public void SortPoints_EqualHashes_TieByMemberOrder()
    {
        // A real 64-bit collision cannot be found for a test, so the tie rule is checked on the sort.
        ulong[] hashes = [5, 3, 5, 9, 5, 1, 9];
        int[] owners = [2, 0, 1, 4, 0, 4, 3];

        HashRingSnapshot.SortPoints(hashes, owners);

        Assert.Equal([1UL, 3, 5, 5, 5, 9, 9], hashes);
        Assert.Equal([4, 0, 0, 1, 2, 3, 4], owners);
    }

    [Fact]
    public void OwnerOf_AllocatesNothing()
    {
        var ring = new HashRing(RingKeys.Members(100));
        var longKey = new string('k', 1_000);
        var bytes = "user:42"u8.ToArray();
        for (var i = 0; i < 100; i++)
        {
            ring.OwnerOf("user:42");
            ring.OwnerOf(longKey);
            ring.OwnerOf(bytes);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            ring.OwnerOf("user:42");
            ring.OwnerOf(longKey);
            ring.OwnerOf(bytes);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static (ulong Hash, byte[] Id, string Owner)[] NaiveRing(RingMember[] members, int virtualNodesPerWeight)
    {
        var points = new List<(ulong, byte[], string)>();
        foreach (var member in members)
        {
            var count = Math.Max(1, (int)Math.Round(member.Weight * virtualNodesPerWeight, MidpointRounding.AwayFromZero));
            for (var i = 0; i < count; i++)
            {
                points.Add((XxHash3.HashToUInt64(Encoding.UTF8.GetBytes($"{member.Id}#{i}")), Encoding.UTF8.GetBytes(member.Id), member.Id));
            }
        }

        return [.. points.OrderBy(p => p.Item1).ThenBy(p => p.Item2, Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];
    }

    private static string NaiveOwner((ulong Hash, byte[] Id, string Owner)[] points, string key)
    {
        var hash = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key));
        foreach (var point in points)
        {
            if (point.Hash >= hash)
            {
                return point.Owner;
            }
        }

        return points[0].Owner;
    }
}
