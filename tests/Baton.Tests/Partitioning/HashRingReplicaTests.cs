using Baton.Partitioning;
using Xunit;

namespace Baton.Tests.Partitioning;

public sealed class HashRingReplicaTests
{
    [Fact]
    public void ReplicasOf_AreDistinct_FirstIsTheOwner_AndStable()
    {
        var ring = new HashRing(RingKeys.Members(10));
        var again = new HashRing(RingKeys.Members(10).Reverse());

        foreach (var key in RingKeys.HundredThousand.Take(2_000))
        {
            var replicas = ring.ReplicasOf(key, 3);

            Assert.Equal(3, replicas.Count);
            Assert.Equal(3, replicas.Distinct().Count());
            Assert.Equal(ring.OwnerOf(key), replicas[0]);
            Assert.Equal(replicas, ring.ReplicasOf(key, 3));
            Assert.Equal(replicas, again.ReplicasOf(key, 3));
            Assert.Equal(replicas, ring.ReplicasOf(key, 5).Take(3));
        }
    }

    [Fact]
    public void ReplicasOf_MoreThanTheMembers_GivesEveryMemberOnce()
    {
        var ring = new HashRing(RingKeys.Members(4));

        var replicas = ring.ReplicasOf("k", 10);

        Assert.Equal(RingKeys.Members(4).Select(m => m.Id).Order(), replicas.Order());
    }

    [Fact]
    public void ReplicasOf_ManyMembers_GivesThemAllDistinct()
    {
        // Beyond 256 members the walk tracks them on the heap instead of the stack.
        var ring = new HashRing(RingKeys.Members(300), new HashRingOptions { VirtualNodesPerWeight = 4 });

        Assert.Equal(300, ring.ReplicasOf("k", 1_000).Distinct().Count());
    }

    [Fact]
    public void Remove_Owner_PromotesTheSecondReplica()
    {
        var ring = new HashRing(RingKeys.Members(10));
        var replicas = RingKeys.HundredThousand.Take(500).ToDictionary(k => k, k => ring.ReplicasOf(k, 2));

        ring.Remove("member-0");

        foreach (var (key, before) in replicas.Where(r => r.Value[0] == "member-0"))
        {
            Assert.Equal(before[1], ring.OwnerOf(key));
        }
    }

    [Fact]
    public void EmptyRing_HasNoOwnerAndNoReplicas()
    {
        var ring = new HashRing();

        Assert.Null(ring.OwnerOf("k"));
        Assert.Null(ring.OwnerOf("k"u8));
        Assert.Empty(ring.ReplicasOf("k", 3));
        Assert.Empty(ring.Current.Members);
        Assert.Equal(0, ring.Current.PointCount);
        Assert.Equal(0, ring.Current.Version);
    }

    [Fact]
    public void MovedFraction_FromEmptyRing_IsEverything()
    {
        var empty = new HashRing().Current;
        var one = RingKeys.Snapshot([new RingMember("only")]);

        Assert.Equal(1.0, HashRingSnapshot.MovedFraction(empty, one, ["a", "b"]));
        Assert.Equal(0.0, HashRingSnapshot.MovedFraction(one, one, ["a", "b"]));
    }
}
