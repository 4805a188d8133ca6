using Xunit;

namespace Baton.Conformance;

/// <summary>
/// Rules 4, 12 and 13 within one process: a coordinator disposed while holding (the in-process stand-in
/// for a crash) fires its lost tokens and leaves a takeover notice; an operator's break ends the holds,
/// fires the lost tokens, supersedes the fencing tokens and says so to the next holder.
/// </summary>
public abstract class TakeoverAndBreakConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task AcquireAsync_AfterCleanRelease_HasNoTakeover()
    {
        var name = UniqueName();
        var first = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        await first.DisposeAsync();

        await using var second = await (await CreateCoordinatorAsync()).CreateLock(name).AcquireAsync(Patience);

        Assert.Null(second.Takeover);
    }

    [Fact]
    public async Task AcquireAsync_PreviousHolderAbandoned_TakeoverNamesItAndItsToken()
    {
        var name = UniqueName();
        var crashed = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "crashed" });
        var abandoned = await crashed.CreateLock(name).AcquireAsync(Patience);
        var before = Coordinator.TimeProvider.GetUtcNow();

        await crashed.DisposeAsync();
        await using var next = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        AssertTakeover(next, crashed.Member, abandoned.FencingToken, AbandonReasons);
        Assert.True(next.Takeover!.EndedAt >= before - ClockTolerance, $"The hold ended at {next.Takeover.EndedAt}, before it was abandoned at {before}.");
        Assert.True(next.FencingToken > abandoned.FencingToken);
    }

    [Fact]
    public async Task AcquireAsync_WaitingWhenHolderAbandoned_TakeoverNamesIt()
    {
        var name = UniqueName();
        var crashed = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "crashed" });
        var abandoned = await crashed.CreateLock(name).AcquireAsync(Patience);
        var waiting = Coordinator.CreateLock(name).AcquireAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        await crashed.DisposeAsync();

        await using var next = await WithinPatience(waiting);
        AssertTakeover(next, crashed.Member, abandoned.FencingToken, AbandonReasons);
    }

    [Fact]
    public async Task AcquireAsync_AfterTheHolderThatTookOver_ReleasedCleanly_HasNoTakeover()
    {
        var name = UniqueName();
        var crashed = await CreateCoordinatorAsync();
        await crashed.CreateLock(name).AcquireAsync(Patience);
        await crashed.DisposeAsync();
        var tookOver = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        Assert.NotNull(tookOver.Takeover);

        await tookOver.DisposeAsync();
        await using var next = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        Assert.Null(next.Takeover);
    }

    [Fact]
    public async Task DisposeAsync_Coordinator_FiresLostTokensOfItsHolds()
    {
        var owner = await CreateCoordinatorAsync();
        var exclusive = await owner.CreateLock(UniqueName()).AcquireAsync(Patience);
        var reader = await owner.CreateReaderWriterLock(UniqueName("rw")).AcquireReadAsync(Patience);
        var slot = await owner.CreateSemaphore(UniqueName("sem"), 2).AcquireAsync(Patience);
        var lostBeforeDispose = exclusive.LostToken;

        await owner.DisposeAsync();

        foreach (var handle in new LockHandleBase[] { exclusive, reader, slot })
        {
            await WaitForLostAsync(handle.LostToken);
            Assert.True(handle.IsLost);
            Assert.Equal(LossReason.CoordinatorDisposed, handle.LossReason);
            await handle.DisposeAsync();
        }

        Assert.True(lostBeforeDispose.IsCancellationRequested);
    }

    [Fact]
    public async Task DisposeAsync_Coordinator_OtherCoordinatorsHoldsAreUntouched()
    {
        var owner = await CreateCoordinatorAsync();
        var name = UniqueName();
        await using var kept = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        await owner.CreateReaderWriterLock(name).AcquireReadAsync(Patience);

        await owner.DisposeAsync();

        await WaitForListingAsync(name, i => i is { Holders.Count: 1 }, "only the kept reader");
        Assert.False(kept.IsLost);
        Assert.False(kept.LostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task BreakLockAsync_Held_RemovesTheHolderAndReturnsIt()
    {
        var name = UniqueName();
        var stuck = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "stuck" });
        var handle = await stuck.CreateLock(name).AcquireAsync(Patience);

        if (!SupportsBreak)
        {
            await AssertBreakNotSupportedAsync(name, LockKind.Lock);
            Assert.False(handle.IsLost);
            Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
            await handle.DisposeAsync();
            return;
        }

        var broken = await Coordinator.BreakLockAsync(name);

        var holder = Assert.Single(broken);
        Assert.Equal(stuck.Member, holder.Member);
        Assert.Equal(handle.FencingToken, holder.FencingToken);
        Assert.Equal(LockMode.Exclusive, holder.Mode);
        await using var next = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        Assert.True(next.FencingToken > handle.FencingToken, "The broken holder's fencing token was not superseded.");
        AssertTakeover(next, stuck.Member, handle.FencingToken, [TakeoverReason.Broken]);
        await handle.DisposeAsync();
        Assert.False(next.IsReleased);
        Assert.Null(await (await CreateCoordinatorAsync()).CreateLock(name).TryAcquireAsync());
    }

    [Fact]
    public async Task BreakLockAsync_Held_FiresTheBrokenHoldersLostToken()
    {
        var name = UniqueName();
        var stuck = await CreateCoordinatorAsync();
        await using var handle = await stuck.CreateLock(name).AcquireAsync(Patience);
        var lost = handle.LostToken;
        if (!SupportsBreak)
        {
            await AssertBreakNotSupportedAsync(name, LockKind.Lock);
            Assert.False(lost.IsCancellationRequested);
            return;
        }

        await Coordinator.BreakLockAsync(name);

        if (SignalsLossOnBreak)
        {
            await WaitForLostAsync(lost);
            Assert.True(handle.IsLost);
            Assert.Equal(LossReason.Broken, handle.LossReason);
        }
    }

    [Fact]
    public async Task BreakLockAsync_HeldWithWaiter_GrantsTheWaiterWithTakeover()
    {
        var name = UniqueName();
        var stuck = await CreateCoordinatorAsync();
        await using var handle = await stuck.CreateLock(name).AcquireAsync(Patience);
        var waiting = Coordinator.CreateLock(name).AcquireAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);
        if (!SupportsBreak)
        {
            await AssertBreakNotSupportedAsync(name, LockKind.Lock);
            await AssertStillPendingAsync(waiting);
            await handle.DisposeAsync();
            await DrainAsync([waiting]);
            return;
        }

        await Coordinator.BreakLockAsync(name);

        await using var next = await WithinPatience(waiting);
        AssertTakeover(next, stuck.Member, handle.FencingToken, [TakeoverReason.Broken]);
        Assert.True(next.FencingToken > handle.FencingToken);
    }

    [Fact]
    public async Task BreakLockAsync_SharedHolders_RemovesThemAll()
    {
        var name = UniqueName("rw");
        var first = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var second = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        if (!SupportsBreak)
        {
            await AssertBreakNotSupportedAsync(name, LockKind.Lock);
            await first.DisposeAsync();
            await second.DisposeAsync();
            return;
        }

        var broken = await Coordinator.BreakLockAsync(name);

        Assert.Equal([first.FencingToken, second.FencingToken], broken.Select(b => b.FencingToken).Order());
        Assert.All(broken, b => Assert.Equal(LockMode.Shared, b.Mode));
        await using var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        Assert.Equal(TakeoverReason.Broken, writer.Takeover?.Reason);
        Assert.Contains(writer.Takeover!.PreviousFencingToken, new[] { first.FencingToken, second.FencingToken });
    }

    [Fact]
    public async Task BreakLockAsync_WhileUpgrading_TheUpgradeStopsWaiting()
    {
        if (!SupportsBreak)
        {
            return;
        }

        var name = UniqueName("rw");
        var upgrading = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var upgrade = upgrading.UpgradeAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        await Coordinator.BreakLockAsync(name);

        // Failing or giving up are both fine; succeeding or hanging are not.
        Assert.NotNull(await Record.ExceptionAsync(() => WithinPatience(upgrade)));
        Assert.NotEqual(LockMode.Exclusive, upgrading.Mode);
        if (SignalsLossOnBreak)
        {
            await WaitForLostAsync(upgrading.LostToken);
            await WaitForLostAsync(other.LostToken);
        }

        await upgrading.DisposeAsync();
        await other.DisposeAsync();
        await using var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        Assert.Equal(TakeoverReason.Broken, writer.Takeover?.Reason);
    }

    [Fact]
    public async Task BreakLockAsync_Semaphore_RemovesItsHoldersOnly()
    {
        var name = UniqueName("sem");
        var stuck = await CreateCoordinatorAsync();
        var slot = await stuck.CreateSemaphore(name, 1).AcquireAsync(Patience);
        await using var exclusive = await stuck.CreateLock(name).AcquireAsync(Patience);
        if (!SupportsBreak)
        {
            await AssertBreakNotSupportedAsync(name, LockKind.Semaphore);
            await slot.DisposeAsync();
            return;
        }

        var broken = await Coordinator.BreakLockAsync(name, LockKind.Semaphore);

        Assert.Equal(slot.FencingToken, Assert.Single(broken).FencingToken);
        await using var next = await Coordinator.CreateSemaphore(name, 1).AcquireAsync(Patience);
        Assert.Equal(TakeoverReason.Broken, next.Takeover?.Reason);
        Assert.False(exclusive.IsLost);
        Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
    }

    [Fact]
    public async Task BreakLockAsync_Unheld_ReturnsEmpty()
    {
        if (!SupportsBreak)
        {
            return;
        }

        var name = UniqueName();
        Assert.Empty(await Coordinator.BreakLockAsync(name));
        Assert.Empty(await Coordinator.BreakLockAsync(name, LockKind.Semaphore));

        await using var next = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        Assert.Null(next.Takeover);
    }

    [Fact]
    public async Task BreakLockAsync_AfterRelease_ReturnsEmptyAndLeavesNoTakeover()
    {
        if (!SupportsBreak)
        {
            return;
        }

        var name = UniqueName();
        var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        await handle.DisposeAsync();

        Assert.Empty(await Coordinator.BreakLockAsync(name));

        await using var next = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        Assert.Null(next.Takeover);
        Assert.False(handle.IsLost);
    }

    [Fact]
    public async Task BreakLockAsync_PreCancelled_ThrowsAndBreaksNothing()
    {
        var name = UniqueName();
        await using var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Coordinator.BreakLockAsync(name, cancellationToken: new CancellationToken(canceled: true)).AsTask());

        Assert.False(handle.IsLost);
        Assert.Single((await FindAsync(name))!.Holders);
    }

    /// <summary>Waits for a lost token to fire, failing after <see cref="ConformanceTestBase.Patience"/>.</summary>
    protected Task WaitForLostAsync(CancellationToken lost) =>
        WithinPatience(Task.Delay(Timeout.InfiniteTimeSpan, lost).ContinueWith(static _ => { }, TaskScheduler.Default));

    private static void AssertTakeover(LockHandleBase next, MemberIdentity previous, long previousToken, IReadOnlyCollection<TakeoverReason> reasons)
    {
        var takeover = next.Takeover;
        Assert.True(takeover is not null, "The holder after an unclean end got no takeover notice.");
        Assert.Equal(previous, takeover.PreviousHolder);
        Assert.Equal(previousToken, takeover.PreviousFencingToken);
        Assert.Contains(takeover.Reason, reasons);
    }

    private async Task AssertBreakNotSupportedAsync(string name, LockKind kind)
    {
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => Coordinator.BreakLockAsync(name, kind).AsTask());
        Assert.False(string.IsNullOrWhiteSpace(e.Message), "The NotSupportedException should say why the backend cannot break a lock.");
    }
}
