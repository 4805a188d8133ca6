using Baton.Partitioning;
using Xunit;

namespace Baton.Tests.Partitioning;

public sealed class HashRingWeightTests
{
    /// <summary>
    /// Tolerance ±25 % of the ratio 2. The heavy member's 256 points give its share a spread of about
    /// 1/√256 ≈ 6 %, the nine light members' average about 9 %/√9 ≈ 3 %: the ratio's spread is about
    /// 7 %, so 25 % is 3.5 spreads — loose enough for any fixed ids, tight enough to catch a weight
    /// that is ignored (ratio 1) or squared (ratio 4). Over 200 sets of ids it stayed within 1.64–2.33.
    /// </summary>
    [Fact]
    public void WeightTwo_AmongWeightOne_OwnsAboutTwiceTheShare()
    {
        var snapshot = RingKeys.Snapshot(RingKeys.Members(9).Append(new RingMember("heavy", 2)));

        var counts = RingKeys.HundredThousand.GroupBy(k => snapshot.OwnerOf(k)!).ToDictionary(g => g.Key, g => g.Count());

        var light = counts.Where(c => c.Key != "heavy").Average(c => c.Value);
        Assert.InRange(counts["heavy"] / light, 1.5, 2.5);
    }

    [Fact]
    public void PointCount_IsRoundedWeightTimesVirtualNodes()
    {
        var members = new[] { new RingMember("a", 2), new RingMember("b", 0.5), new RingMember("c", 1) };

        Assert.Equal(256 + 64 + 128, RingKeys.Snapshot(members).PointCount);
    }

    [Theory]
    [InlineData(0.001, 1)]   // never fewer than one point
    [InlineData(1.5, 2)]     // halves round away from zero, not to even
    [InlineData(2.5, 3)]
    [InlineData(2.4, 2)]
    [InlineData(1000, 1000)]
    public void PointCount_OneVirtualNodePerWeight_RoundsHalfAwayFromZero(double weight, int points)
    {
        var snapshot = RingKeys.Snapshot([new RingMember("m", weight)], new HashRingOptions { VirtualNodesPerWeight = 1 });

        Assert.Equal(points, snapshot.PointCount);
    }
}
