using Baton.Partitioning;
using Xunit;

namespace Baton.Tests.Partitioning;

public sealed class HashRingValidationTests
{
    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a\0b", "must not contain NUL")]
    public void RingMember_BadId_ThrowsArgumentExceptionThatSaysWhy(string id, string why)
    {
        var error = Assert.Throws<ArgumentException>(() => new RingMember(id));

        Assert.Contains("ring member id", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Equal("Id", error.ParamName);
    }

    [Fact]
    public void RingMember_UnpairedSurrogate_IsRefused()
    {
        // Built here: xunit's test case serialisation would mangle a lone surrogate in InlineData.
        var error = Assert.Throws<ArgumentException>(() => new RingMember("a" + '\uD800'));

        Assert.Contains("unpaired surrogate U+D800", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RingMember_IdOver1024Utf8Bytes_IsRefused_And1024Works()
    {
        Assert.Equal(1024, new RingMember(new string('é', 512)).Id.Length * 2);

        var error = Assert.Throws<ArgumentException>(() => new RingMember(new string('é', 513)));
        Assert.Contains("1,026 bytes", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new RingMember(null!));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1000.5)]
    public void RingMember_BadWeight_ThrowsNamingTheValue(double weight)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RingMember("m", weight));

        Assert.Equal("Weight", error.ParamName);
        Assert.Equal(weight, error.ActualValue);
        Assert.Contains("finite, greater than 0 and at most 1,000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RingMember_With_ValidatesToo()
    {
        var member = new RingMember("m", 1000);

        Assert.Throws<ArgumentOutOfRangeException>(() => member with { Weight = 0 });
        Assert.Throws<ArgumentException>(() => member with { Id = "" });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    [InlineData(-5)]
    public void HashRing_VirtualNodesOutOfRange_ThrowsNamingTheValue(int virtualNodes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new HashRing(new HashRingOptions { VirtualNodesPerWeight = virtualNodes }));

        Assert.Equal("VirtualNodesPerWeight", error.ParamName);
        Assert.Contains("between 1 and 10,000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void HashRing_VirtualNodesAtTheLimits_Work(int virtualNodes)
    {
        var ring = new HashRing([new RingMember("m")], new HashRingOptions { VirtualNodesPerWeight = virtualNodes });

        Assert.Equal(virtualNodes, ring.Current.PointCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ReplicasOf_CountNotPositive_Throws(int count)
    {
        var ring = new HashRing([new RingMember("m")]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ring.ReplicasOf("k", count));
        Assert.Equal("count", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HashRing().ReplicasOf("k"u8, count));
    }

    [Fact]
    public void SetMembers_DuplicateIds_ThrowsNamingTheId_AndChangesNothing()
    {
        var ring = new HashRing([new RingMember("a")]);

        var error = Assert.Throws<ArgumentException>(() => ring.SetMembers([new RingMember("x"), new RingMember("dup"), new RingMember("dup", 2)]));

        Assert.Contains("'dup'", error.Message, StringComparison.Ordinal);
        Assert.Equal("members", error.ParamName);
        Assert.Equal(0, ring.Current.Version);
        Assert.Throws<ArgumentException>(() => new HashRing([new RingMember("dup"), new RingMember("dup")]));
    }

    [Fact]
    public void SetMembers_NullItem_ThrowsNamingItsIndex()
    {
        var ring = new HashRing();

        var error = Assert.Throws<ArgumentException>(() => ring.SetMembers([new RingMember("a"), null!]));

        Assert.Contains("item 1 is null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullArguments_ThrowArgumentNull()
    {
        var ring = new HashRing();

        Assert.Throws<ArgumentNullException>(() => ring.OwnerOf((string)null!));
        Assert.Throws<ArgumentNullException>(() => ring.AddOrUpdate(null!));
        Assert.Throws<ArgumentNullException>(() => ring.SetMembers(null!));
        Assert.Throws<ArgumentNullException>(() => ring.Remove(null!));
        Assert.Throws<ArgumentException>(() => ring.Remove(""));
        Assert.Throws<ArgumentException>(() => HashRingSnapshot.MovedFraction(ring.Current, ring.Current, []));
    }
}
