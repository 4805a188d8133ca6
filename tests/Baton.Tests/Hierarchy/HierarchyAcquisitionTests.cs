using Xunit;

namespace Baton.Tests.Hierarchy;

/// <summary>Sets of names: the backend locks, their order and modes, one deadline, the whole level, loss and release.</summary>
public sealed class HierarchyAcquisitionTests : HierarchyTestBase
{
    private static KeyValuePair<string, LockMode> Shared(string name) => KeyValuePair.Create(name, LockMode.Shared);

    private static KeyValuePair<string, LockMode> Exclusive(string name) => KeyValuePair.Create(name, LockMode.Exclusive);

    [Fact]
    public async Task AcquireAsync_NamedSet_TakesIntentLockSharedThenEachNameSortedOnce()
    {
        await using var held = await Ganeti.AcquireAsync("instance", ["web", "db", "cache", "db"], timeout: Patience);

        Assert.Equal("instance", held.Level);
        Assert.False(held.IsWholeLevel);
        Assert.Equal(["cache", "db", "web"], held.Names);
        Assert.Equal(
            ["ganeti/instance", "ganeti/instance/cache", "ganeti/instance/db", "ganeti/instance/web"],
            held.Locks.Select(l => l.Name));
        Assert.Equal(
            ["ganeti/instance:Shared", "ganeti/instance/cache:Exclusive", "ganeti/instance/db:Exclusive", "ganeti/instance/web:Exclusive"],
            await HeldNamesAsync());
    }

    [Fact]
    public async Task AcquireAsync_NamedSet_TakesNamesInOrdinalOrder()
    {
        // "B" < "a" in ordinal order. Holding "a" elsewhere, the set stops there: "B" is held, "c" not yet asked for.
        await using var blocker = await OtherMember(h => h.AcquireAsync("node", ["a"], timeout: Patience));
        var waiting = Ganeti.AcquireAsync("node", ["c", "a", "B"], timeout: Patience).AsTask();
        await WaitForWaitersAsync("ganeti/node/a", 1);

        var names = await HeldNamesAsync();
        Assert.Contains("ganeti/node/B:Exclusive", names);
        Assert.DoesNotContain(names, n => n.StartsWith("ganeti/node/c", StringComparison.Ordinal));

        await blocker.ReleaseAsync();
        await using var held = await waiting.WaitAsync(Patience);
        Assert.Equal(["B", "a", "c"], held.Names);
    }

    [Fact]
    public async Task AcquireAsync_DuplicateWithBothModes_ExclusiveWins()
    {
        await using var held = await Ganeti.AcquireAsync(
            "node", [Shared("n1"), Exclusive("n1"), Exclusive("n2"), Shared("n2"), Shared("n3")], timeout: Patience);

        Assert.Equal([LockMode.Shared, LockMode.Exclusive, LockMode.Exclusive, LockMode.Shared], held.Locks.Select(l => l.Mode));
    }

    [Fact]
    public async Task AcquireAsync_PerNameModes_SharedNamesAdmitOtherReadersOnly()
    {
        await using var held = await Ganeti.AcquireAsync("node", [Shared("n1"), Exclusive("n2")], timeout: Patience);

        await using (var reader = await OtherMember(h => h.TryAcquireAsync("node", ["n1"], LockMode.Shared)))
        {
            Assert.NotNull(reader);
        }

        Assert.Null(await OtherMember(h => h.TryAcquireAsync("node", ["n1"], LockMode.Exclusive)));
        Assert.Null(await OtherMember(h => h.TryAcquireAsync("node", [Shared("n2")])));
        Assert.Null(await OtherMember(h => h.TryAcquireAsync("node", [Shared("n1"), Shared("n2")])));
    }

    [Fact]
    public async Task AcquireAsync_DisjointSetsOfOneLevel_AreHeldAtOnce()
    {
        await using var mine = await Ganeti.AcquireAsync("instance", ["i1", "i2"], timeout: Patience);

        await using var theirs = await OtherMember(h => h.TryAcquireAsync("instance", ["i3"]));

        Assert.NotNull(theirs);
        Assert.Null(await OtherMember(h => h.TryAcquireAsync("instance", ["i3", "i2"])));
    }

    [Fact]
    public async Task AcquireAllAsync_HeldWholeLevel_ExcludesNamedSetsAndOtherWholeLevels()
    {
        await using var all = await Ganeti.AcquireAllAsync("cluster", Patience);

        Assert.True(all.IsWholeLevel);
        Assert.Empty(all.Names);
        Assert.Equal(["ganeti/cluster"], all.Locks.Select(l => l.Name));
        Assert.Equal(LockMode.Exclusive, Assert.Single(all.Locks).Mode);
        Assert.Null(await OtherMember(h => h.TryAcquireAsync("cluster", ["BGL"], LockMode.Shared)));
        Assert.Null(await OtherMember(h => h.TryAcquireAllAsync("cluster")));

        // Other levels are not affected.
        await using var node = await OtherMember(h => h.TryAcquireAsync("node", ["n1"]));
        Assert.NotNull(node);
    }

    [Fact]
    public async Task AcquireAllAsync_WhileNamedSetHeld_WaitsForItsRelease()
    {
        var named = await Ganeti.AcquireAsync("instance", [Shared("i1")], timeout: Patience);

        Assert.Null(await OtherMember(h => h.TryAcquireAllAsync("instance")));
        var waiting = OtherMember(h => h.AcquireAllAsync("instance", Patience));
        await WaitForWaitersAsync("ganeti/instance", 1);
        Assert.False(waiting.IsCompleted);

        await named.ReleaseAsync();
        await using var all = await waiting.WaitAsync(Patience);
        Assert.True(all.IsWholeLevel);
    }

    [Fact]
    public async Task AcquireAsync_DeadlinePasses_ReleasesThePartialSetAndThrowsTimeout()
    {
        await using var blocker = await OtherMember(h => h.AcquireAsync("node", ["n3"], timeout: Patience));

        var error = await Assert.ThrowsAsync<TimeoutException>(
            async () => await Ganeti.AcquireAsync("node", ["n1", "n2", "n3", "n4"], timeout: TimeSpan.FromMilliseconds(100)));

        Assert.Contains("'ganeti/node/n3'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'ganeti'", error.Message, StringComparison.Ordinal);
        Assert.Equal(["ganeti/node:Shared", "ganeti/node/n3:Exclusive"], await HeldNamesAsync());
        Assert.Single((await First.ListLocksAsync()).Single(l => l.Name == "ganeti/node").Holders);
    }

    [Fact]
    public async Task TryAcquireAsync_OneNameTaken_ReturnsNullHoldingNothing()
    {
        await using var blocker = await OtherMember(h => h.AcquireAsync("node", ["n2"], timeout: Patience));

        Assert.Null(await Ganeti.TryAcquireAsync("node", ["n1", "n2", "n3"]));
        Assert.Null(await Ganeti.TryAcquireAsync("node", ["n1", "n2"], timeout: TimeSpan.FromMilliseconds(50)));

        Assert.Equal(["ganeti/node:Shared", "ganeti/node/n2:Exclusive"], await HeldNamesAsync());
    }

    [Fact]
    public async Task AcquireAsync_CanceledWhileWaiting_ReleasesThePartialSet()
    {
        await using var blocker = await OtherMember(h => h.AcquireAsync("node", ["n2"], timeout: Patience));
        using var cancel = new CancellationTokenSource();
        var waiting = Ganeti.AcquireAsync("node", ["n1", "n2"], cancellationToken: cancel.Token).AsTask();
        await WaitForWaitersAsync("ganeti/node/n2", 1);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        Assert.Equal(["ganeti/node:Shared", "ganeti/node/n2:Exclusive"], await HeldNamesAsync());
        Assert.Empty(Ganeti.HeldLevels);
    }

    [Fact]
    public async Task LostToken_OneLockOfTheSetBroken_Fires()
    {
        await using var held = await Ganeti.AcquireAsync("node", ["n1", "n2"], timeout: Patience);
        var lost = held.LostToken;
        Assert.False(lost.IsCancellationRequested);
        Assert.False(held.IsLost);

        await Second.BreakLockAsync("ganeti/node/n2");

        var fired = new TaskCompletionSource();
        using var registration = lost.Register(() => fired.TrySetResult());
        await fired.Task.WaitAsync(Patience);
        Assert.True(held.IsLost);

        // Release never throws for a lost lock, and still frees the rest.
        await held.ReleaseAsync();
        Assert.Empty(await HeldNamesAsync());
    }

    [Fact]
    public async Task LostToken_ReadAfterALoss_IsAlreadyCanceled()
    {
        await using var held = await Ganeti.AcquireAllAsync("cluster", Patience);

        await Second.BreakLockAsync("ganeti/cluster");

        var deadline = DateTime.UtcNow + Patience;
        while (!held.Locks[0].IsLost)
        {
            Assert.True(DateTime.UtcNow < deadline, "The broken lock never reported its loss.");

            // Polling an observable condition, not sleeping in place of synchronization.
            await Task.Delay(5);
        }

        Assert.True(held.LostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task ReleaseAsync_Twice_ReleasesEveryLockOnceAndEndsTheLevel()
    {
        var held = await Ganeti.AcquireAsync("node", ["n1", "n2"], timeout: Patience);
        var lost = held.LostToken;

        await held.ReleaseAsync();
        await held.ReleaseAsync();
        await held.DisposeAsync();
        held.Dispose();

        Assert.True(held.IsReleased);
        Assert.All(held.Locks, l => Assert.True(l.IsReleased));
        Assert.Empty(await HeldNamesAsync());
        Assert.Empty(Ganeti.HeldLevels);
        Assert.False(lost.IsCancellationRequested);
        await using var again = await OtherMember(h => h.TryAcquireAsync("node", ["n1", "n2"]));
        Assert.NotNull(again);
    }

    [Fact]
    public async Task ReleaseAsync_FromAnotherFlow_EndsTheLevelInTheAcquiringFlow()
    {
        var held = await Ganeti.AcquireAsync("node", ["n1"], timeout: Patience);

        await Task.Run(async () => await held.ReleaseAsync());

        Assert.Empty(Ganeti.HeldLevels);
        await using var earlier = await Ganeti.AcquireAsync("cluster", ["c"], timeout: Patience);
    }

    [Fact]
    public async Task ToString_NamesTheLevelAndHierarchy()
    {
        await using var all = await Ganeti.AcquireAllAsync("cluster", Patience);
        await using var held = await Ganeti.AcquireAsync("node", ["n2", "n1"], timeout: Patience);

        Assert.Equal("n1, n2 of level 'node' of lock hierarchy 'ganeti'", held.ToString());
        Assert.Equal("the whole level 'cluster' of lock hierarchy 'ganeti'", all.ToString());
        Assert.Equal("lock hierarchy 'ganeti' (cluster < node-group < instance < node)", Ganeti.ToString());
    }
}
