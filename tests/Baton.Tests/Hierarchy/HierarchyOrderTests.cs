using Xunit;

namespace Baton.Tests.Hierarchy;

/// <summary>The order rule per async flow: later levels only, refused before anything is taken, and what child flows see.</summary>
public sealed class HierarchyOrderTests : HierarchyTestBase
{
    [Fact]
    public async Task AcquireAsync_SameLevelAgainInCallersFlow_ThrowsNamingTheLevelAndHierarchy()
    {
        await using var first = await Ganeti.AcquireAsync("cluster", ["c"], timeout: Patience);

        var error = await Assert.ThrowsAsync<LockOrderException>(async () => await Ganeti.AcquireAsync("cluster", ["other"], timeout: Patience));

        Assert.Equal("cluster", error.RequestedLevel);
        Assert.Equal("cluster", error.HeldLevel);
        Assert.Equal("ganeti", error.Hierarchy);
        Assert.Contains("already holds level 'cluster'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'ganeti'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await HeldNamesAsync(), n => n.StartsWith("ganeti/cluster/other", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcquireAsync_EarlierLevelWhileHoldingLater_ThrowsNamingBothBeforeTakingAnything()
    {
        await using var instances = await Ganeti.AcquireAsync("instance", ["inst1"], timeout: Patience);
        var before = await HeldNamesAsync();

        var error = await Assert.ThrowsAsync<LockOrderException>(async () => await Ganeti.AcquireAsync("node-group", ["default"], timeout: Patience));

        Assert.Equal("node-group", error.RequestedLevel);
        Assert.Equal("instance", error.HeldLevel);
        Assert.Contains("'instance'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'node-group'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster < node-group < instance < node", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await HeldNamesAsync());
        Assert.Equal(["instance"], Ganeti.HeldLevels);
    }

    [Fact]
    public async Task AcquireAllAsync_EarlierLevelWhileHoldingLater_Throws()
    {
        await using var nodes = await Ganeti.AcquireAsync("node", ["n1"], timeout: Patience);

        var error = await Assert.ThrowsAsync<LockOrderException>(async () => await Ganeti.AcquireAllAsync("cluster", Patience));

        Assert.Equal("cluster", error.RequestedLevel);
        Assert.Equal("node", error.HeldLevel);
    }

    [Fact]
    public async Task AcquireAsync_IncreasingLevels_AreAllHeldInLevelOrder()
    {
        await using var cluster = await Ganeti.AcquireAllAsync("cluster", Patience);
        await using var instance = await Ganeti.AcquireAsync("instance", ["i1", "i2"], timeout: Patience);
        await using var node = await Ganeti.AcquireAsync("node", ["n1"], LockMode.Shared, Patience);

        Assert.Equal(["cluster", "instance", "node"], Ganeti.HeldLevels);
    }

    [Fact]
    public async Task ReleaseAsync_InAnyOrder_RemovesJustThatLevel()
    {
        var cluster = await Ganeti.AcquireAsync("cluster", ["c"], timeout: Patience);
        var instance = await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience);
        var node = await Ganeti.AcquireAsync("node", ["n"], timeout: Patience);

        await instance.ReleaseAsync();
        Assert.Equal(["cluster", "node"], Ganeti.HeldLevels);
        await Assert.ThrowsAsync<LockOrderException>(async () => await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience));

        await node.ReleaseAsync();
        await using (var again = await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience))
        {
            Assert.Equal(["cluster", "instance"], Ganeti.HeldLevels);
        }

        await cluster.ReleaseAsync();
        Assert.Empty(Ganeti.HeldLevels);
        await using var fresh = await Ganeti.AcquireAllAsync("cluster", Patience);
    }

    [Fact]
    public async Task AcquireAsync_FlowStartedBeforeTheHold_IsUnaffected()
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var earlierFlow = Task.Run(async () =>
        {
            await go.Task;
            Assert.Empty(Ganeti.HeldLevels);
            await using var cluster = await Ganeti.AcquireAsync("cluster", ["c2"], timeout: Patience);
            return Ganeti.HeldLevels;
        });

        await using var instance = await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience);
        go.SetResult();

        Assert.Equal(["cluster"], await earlierFlow.WaitAsync(Patience));
        Assert.Equal(["instance"], Ganeti.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_ChildFlowStartedWhileHolding_InheritsTheHeldLevelsButNotTheOtherWay()
    {
        await using var instance = await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience);

        var child = Task.Run(async () =>
        {
            var inherited = Ganeti.HeldLevels;
            var refused = await Record.ExceptionAsync(async () => await Ganeti.AcquireAsync("cluster", ["c"], timeout: Patience));
            var node = await Ganeti.AcquireAsync("node", ["n"], timeout: Patience);
            return (inherited, refused, node, mine: Ganeti.HeldLevels);
        });
        var (inherited, refused, node, mine) = await child.WaitAsync(Patience);
        await using var childNode = node;

        Assert.Equal(["instance"], inherited);
        Assert.IsType<LockOrderException>(refused);
        Assert.Equal(["instance", "node"], mine);
        Assert.Equal(["instance"], Ganeti.HeldLevels);
    }

    [Fact]
    public async Task ReleaseAsync_ByTheParent_FreesTheLevelInChildFlowsToo()
    {
        var instance = await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = Task.Run(async () =>
        {
            await released.Task;
            await using var cluster = await Ganeti.AcquireAsync("cluster", ["c"], timeout: Patience);
            return Ganeti.HeldLevels;
        });

        await instance.ReleaseAsync();
        released.SetResult();

        Assert.Equal(["cluster"], await child.WaitAsync(Patience));
    }

    [Fact]
    public async Task AcquireAsync_FailedAttempt_LeavesNoClaim()
    {
        await using var blocker = await OtherMember(h => h.AcquireAsync("node", ["n1"], timeout: Patience));

        Assert.Null(await Ganeti.TryAcquireAsync("node", ["n1"]));
        await Assert.ThrowsAsync<TimeoutException>(async () => await Ganeti.AcquireAsync("node", ["n1"], timeout: TimeSpan.FromMilliseconds(50)));

        Assert.Empty(Ganeti.HeldLevels);
        await using var earlier = await Ganeti.AcquireAsync("instance", ["i"], timeout: Patience);
    }

    [Fact]
    public async Task AcquireAsync_TwoObjectsOfTheSameHierarchy_ShareTheOrderRule()
    {
        var again = First.CreateHierarchy("ganeti", GanetiLevels);
        await using var node = await Ganeti.AcquireAsync("node", ["n"], timeout: Patience);

        await Assert.ThrowsAsync<LockOrderException>(async () => await again.AcquireAsync("instance", ["i"], timeout: Patience));
        Assert.Equal(["node"], again.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_OtherHierarchy_HasItsOwnOrder()
    {
        var storage = First.CreateHierarchy("storage", ["pool", "volume"]);
        await using var node = await Ganeti.AcquireAsync("node", ["n"], timeout: Patience);

        await using var pool = await storage.AcquireAsync("pool", ["p"], timeout: Patience);

        Assert.Equal(["pool"], storage.HeldLevels);
        Assert.Equal(["node"], Ganeti.HeldLevels);
    }

    [Fact]
    public void Acquire_Synchronous_KeepsTheOrderRuleInTheCallersFlow()
    {
        using var instance = Ganeti.Acquire("instance", ["i"], timeout: Patience);

        Assert.Throws<LockOrderException>(() => Ganeti.AcquireAll("instance", Patience));
        Assert.Throws<LockOrderException>(() => Ganeti.TryAcquire("cluster", ["c"]));
        using (var node = Ganeti.TryAcquireAll("node"))
        {
            Assert.NotNull(node);
            Assert.Equal(["instance", "node"], Ganeti.HeldLevels);
        }

        Assert.Equal(["instance"], Ganeti.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_InsideAnAsyncHelper_TheLevelStaysInTheHelpersFlow()
    {
        // The documented limit of a per-flow rule: a flow's claims do not flow back out of an async method, so a
        // helper that acquires and returns the handle leaves the caller's order check blind to that level.
        await using var node = await AcquireNodesInHelperAsync(Ganeti);

        Assert.Empty(Ganeti.HeldLevels);
        Assert.False(node.IsReleased);

        static async Task<HierarchyLevelHandle> AcquireNodesInHelperAsync(LockHierarchy hierarchy) =>
            await hierarchy.AcquireAsync("node", ["n"], timeout: TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AcquireAsync_ThroughASynchronousHelper_IsSeenByTheCaller()
    {
        await using var node = await AcquireNodes(Ganeti);

        Assert.Equal(["node"], Ganeti.HeldLevels);

        static ValueTask<HierarchyLevelHandle> AcquireNodes(LockHierarchy hierarchy) =>
            hierarchy.AcquireAsync("node", ["n"], timeout: TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void PublicTypes_HaveNoPublicConstructorsAndAreSealed()
    {
        Assert.Empty(typeof(LockHierarchy).GetConstructors());
        Assert.Empty(typeof(HierarchyLevelHandle).GetConstructors());
        Assert.True(typeof(LockHierarchy).IsSealed);
        Assert.True(typeof(HierarchyLevelHandle).IsSealed);
        Assert.True(typeof(LockOrderException).IsSealed);
    }
}
