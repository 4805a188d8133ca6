using Xunit;

namespace Baton.Tests.Hierarchy;

/// <summary>Bad definitions and bad requests are clear <see cref="ArgumentException"/>s, and take nothing.</summary>
public sealed class HierarchyValidationTests : HierarchyTestBase
{
    public static TheoryData<string[], string> BadLevels => new()
    {
        { [], "at least one level" },
        { ["cluster", ""], "must not be empty" },
        { ["cluster", "node/group"], "must not contain '/'" },
        { ["cluster", "node", "cluster"], "declares level 'cluster' twice" },
        { ["clu\0ster"], "NUL" },
    };

    [Theory]
    [MemberData(nameof(BadLevels))]
    public void CreateHierarchy_BadLevels_ThrowsArgumentExceptionSayingWhy(string[] levels, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => First.CreateHierarchy("h", levels));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("levels", error.ParamName);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a/b", "must not contain '/'")]
    [InlineData("a\0b", "NUL")]
    public void CreateHierarchy_BadName_ThrowsArgumentExceptionSayingWhy(string name, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => First.CreateHierarchy(name, ["level"]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void CreateHierarchy_NullLevel_ThrowsArgumentException()
    {
        Assert.ThrowsAny<ArgumentException>(() => First.CreateHierarchy("h", ["a", null!]));
        Assert.Throws<ArgumentNullException>(() => First.CreateHierarchy("h", null!));
    }

    [Fact]
    public void CreateHierarchy_Valid_KeepsNameAndLevelOrder()
    {
        Assert.Equal("ganeti", Ganeti.Name);
        Assert.Equal(GanetiLevels, Ganeti.Levels);
        Assert.Empty(Ganeti.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_UnknownLevel_ThrowsNamingTheLevels()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Ganeti.AcquireAsync("rack", ["r1"]));

        Assert.Contains("'rack'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster, node-group, instance, node", error.Message, StringComparison.Ordinal);
        Assert.Empty(Ganeti.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_EmptySet_ThrowsAndTakesNothing()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Ganeti.AcquireAsync("node", Array.Empty<string>()));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("AcquireAllAsync", error.Message, StringComparison.Ordinal);
        Assert.Empty(await HeldNamesAsync());

        // The refused call left no claim behind: the same level can be taken right after.
        await using var held = await Ganeti.AcquireAsync("node", ["n1"], timeout: Patience);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a\0b", "NUL")]
    public async Task AcquireAsync_InvalidName_ThrowsAndTakesNothing(string bad, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Ganeti.AcquireAsync("node", ["n1", bad]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("level 'node'", error.Message, StringComparison.Ordinal);
        Assert.Empty(await HeldNamesAsync());
    }

    [Fact]
    public async Task AcquireAsync_NameTooLongWithItsPrefix_ThrowsSayingSo()
    {
        // 1,020 bytes is a valid lock name, but "ganeti/node/" makes it 1,032.
        var name = new string('n', 1020);

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Ganeti.AcquireAsync("node", [name]));

        Assert.Contains("1,024", error.Message, StringComparison.Ordinal);
        Assert.Contains("1,032", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_SemaphoreMode_ThrowsArgumentOutOfRange()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Ganeti.AcquireAsync("node", ["n1"], LockMode.Semaphore));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            async () => await Ganeti.AcquireAsync("node", [KeyValuePair.Create("n1", LockMode.Semaphore)]));
        Assert.Empty(await HeldNamesAsync());
    }

    [Fact]
    public async Task AcquireAsync_NegativeTimeout_ThrowsArgumentOutOfRange()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Ganeti.AcquireAsync("node", ["n1"], timeout: TimeSpan.FromSeconds(-2)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Ganeti.TryAcquireAllAsync("node", TimeSpan.FromSeconds(-2)));
        Assert.Empty(Ganeti.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_AlreadyCanceled_ThrowsAndLeavesNoClaim()
    {
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Ganeti.AcquireAsync("node", ["n1"], cancellationToken: canceled.Token));

        await using var held = await Ganeti.AcquireAsync("node", ["n1"], timeout: Patience);
        Assert.Equal(["node"], Ganeti.HeldLevels);
    }
}
