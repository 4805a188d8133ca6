using Xunit;

namespace Baton.Conformance;

/// <summary>
/// The reader-writer lock's contract: many readers or one writer (rule 1), no writer starvation and
/// arrival order (7), upgrade and downgrade, and the writer side being the exclusive lock of the same name.
/// </summary>
public abstract class ReaderWriterLockConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task TryAcquireReadAsync_ManyReaders_HoldTogether()
    {
        var name = UniqueName("rw");
        var readers = new List<ReaderWriterLockHandle>();
        for (var i = 0; i < 5; i++)
        {
            var handle = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireReadAsync();
            Assert.NotNull(handle);
            Assert.Equal(LockMode.Shared, handle.Mode);
            readers.Add(handle);
        }

        Assert.Equal(5, readers.Select(r => r.FencingToken).Distinct().Count());
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task TryAcquireWriteAsync_WhileReadHeld_ReturnsNull()
    {
        var name = UniqueName("rw");
        await using var reader = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);

        Assert.Null(await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireWriteAsync());
        Assert.Null(await Coordinator.CreateReaderWriterLock(name).TryAcquireWriteAsync(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task TryAcquireReadAsync_WhileWriteHeld_ReturnsNull()
    {
        var name = UniqueName("rw");
        await using var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);

        Assert.Null(await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireReadAsync());
        Assert.Null(await Coordinator.CreateReaderWriterLock(name).TryAcquireWriteAsync());
    }

    [Fact]
    public async Task AcquireWriteAsync_ReadersLeave_WriterGrantedOnlyAfterTheLast()
    {
        var name = UniqueName("rw");
        var first = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var second = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var writing = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireWriteAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        await first.DisposeAsync();
        await AssertStillPendingAsync(writing);
        await second.DisposeAsync();

        await using var writer = await WithinPatience(writing);
        Assert.Equal(LockMode.Exclusive, writer.Mode);
        Assert.True(writer.FencingToken > Math.Max(first.FencingToken, second.FencingToken));
    }

    [Fact]
    public async Task AcquireWriteAsync_ReadersAndWritersFromManyTasks_NeverOverlap()
    {
        var name = UniqueName("rw");
        Coordinator[] coordinators = [Coordinator, await CreateCoordinatorAsync(), await CreateCoordinatorAsync()];
        var readers = 0;
        var writers = 0;
        var violations = 0;

        var tasks = Enumerable.Range(0, 9).Select(i => Task.Run(async () =>
        {
            var rw = coordinators[i % coordinators.Length].CreateReaderWriterLock(name);
            for (var round = 0; round < 15; round++)
            {
                var write = (i + round) % 3 == 0;
                await using var handle = write ? await rw.AcquireWriteAsync(Patience) : await rw.AcquireReadAsync(Patience);
                if (write)
                {
                    if (Interlocked.Increment(ref writers) != 1 || Volatile.Read(ref readers) != 0)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    await Task.Yield();
                    Interlocked.Decrement(ref writers);
                }
                else
                {
                    Interlocked.Increment(ref readers);
                    if (Volatile.Read(ref writers) != 0)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    await Task.Yield();
                    Interlocked.Decrement(ref readers);
                }
            }
        }));
        await Task.WhenAll(tasks).WaitAsync(Patience * 3);

        Assert.Equal(0, violations);
    }

    [Fact]
    public async Task AcquireReadAsync_WriterWaiting_NewReaderWaitsBehindTheWriter()
    {
        var name = UniqueName("rw");
        var reader = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var writing = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireWriteAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        var late = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name);
        Assert.Null(await late.TryAcquireReadAsync());
        var lateReading = late.AcquireReadAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 2);

        await reader.DisposeAsync();
        var writer = await WithinPatience(writing);
        await AssertStillPendingAsync(lateReading);
        await writer.DisposeAsync();

        await using var lateReader = await WithinPatience(lateReading);
        Assert.True(lateReader.FencingToken > writer.FencingToken);
    }

    [Fact]
    public async Task ReleaseAsync_ReadersQueuedBeforeWriter_ReadersGrantedTogetherWriterWaits()
    {
        var name = UniqueName("rw");
        var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        var firstReading = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);
        var secondReading = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 2);
        var nextWriting = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireWriteAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 3);

        await writer.DisposeAsync();

        var first = await WithinPatience(firstReading);
        var second = await WithinPatience(secondReading);
        await AssertStillPendingAsync(nextWriting);
        await first.DisposeAsync();
        await second.DisposeAsync();
        await using var nextWriter = await WithinPatience(nextWriting);
        Assert.Equal(LockMode.Exclusive, nextWriter.Mode);
    }

    [Fact]
    public async Task TryUpgradeAsync_SoleReader_UpgradesAtOnceWithGreaterToken()
    {
        var name = UniqueName("rw");
        await using var handle = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var sharedToken = handle.FencingToken;
        var lost = handle.LostToken;

        Assert.True(await handle.TryUpgradeAsync());

        Assert.Equal(LockMode.Exclusive, handle.Mode);
        Assert.True(handle.FencingToken > sharedToken);
        Assert.False(lost.IsCancellationRequested);
        Assert.Null(await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireReadAsync());
        Assert.True(await handle.TryUpgradeAsync(), "Upgrading an exclusive hold should return true at once.");
    }

    [Fact]
    public async Task UpgradeAsync_OtherReaderPresent_WaitsUntilItLeaves()
    {
        var name = UniqueName("rw");
        await using var upgrading = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var sharedToken = upgrading.FencingToken;

        var upgrade = upgrading.UpgradeAsync(Patience).AsTask();
        await AssertStillPendingAsync(upgrade);
        Assert.Equal(LockMode.Shared, upgrading.Mode);
        await other.DisposeAsync();

        await WithinPatience(upgrade);
        Assert.Equal(LockMode.Exclusive, upgrading.Mode);
        Assert.True(upgrading.FencingToken > Math.Max(sharedToken, other.FencingToken));
        Assert.Null(await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireReadAsync());
    }

    [Fact]
    public async Task TryUpgradeAsync_TimesOut_KeepsTheSharedHold()
    {
        var name = UniqueName("rw");
        await using var upgrading = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var sharedToken = upgrading.FencingToken;

        Assert.False(await upgrading.TryUpgradeAsync(TimeSpan.FromMilliseconds(50)));
        Assert.False(await upgrading.TryUpgradeAsync(TimeSpan.Zero));
        await Assert.ThrowsAsync<TimeoutException>(() => upgrading.UpgradeAsync(TimeSpan.FromMilliseconds(50)).AsTask());

        Assert.Equal(LockMode.Shared, upgrading.Mode);
        Assert.Equal(sharedToken, upgrading.FencingToken);
        Assert.False(upgrading.IsLost);
        await other.DisposeAsync();
        Assert.Null(await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireWriteAsync());
        Assert.True(await upgrading.TryUpgradeAsync(), "Once alone, the reader that timed out should upgrade at once.");
    }

    [Fact]
    public async Task TryUpgradeAsync_TimesOut_ReadersThatArrivedMeanwhileGetIn()
    {
        var name = UniqueName("rw");
        await using var upgrading = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        await using var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        // Connected before the upgrade starts, and the upgrade given five quiet periods: the late reader's try must
        // come while the upgrade still waits, even on a loaded machine (a new session alone can take 100 ms).
        var late = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name);
        var upgrade = upgrading.TryUpgradeAsync(Quiet * 5).AsTask();
        await WaitForWaitersAsync(name, 1);
        Assert.Null(await late.TryAcquireReadAsync());
        var lateReading = late.AcquireReadAsync(Patience).AsTask();

        Assert.False(await WithinPatience(upgrade));

        await using var lateReader = await WithinPatience(lateReading);
        Assert.Equal(LockMode.Shared, upgrading.Mode);
        Assert.Equal(LockMode.Shared, lateReader.Mode);
    }

    [Fact]
    public async Task TryUpgradeAsync_Cancelled_ThrowsAndKeepsTheSharedHold()
    {
        var name = UniqueName("rw");
        await using var upgrading = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        await using var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        using var cancellation = new CancellationTokenSource();

        var upgrade = upgrading.TryUpgradeAsync(Timeout.InfiniteTimeSpan, cancellation.Token).AsTask();
        await WaitForWaitersAsync(name, 1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(upgrade));
        Assert.Equal(LockMode.Shared, upgrading.Mode);
        await WaitForWaitersAsync(name, 0);
        await using var thirdReader = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireReadAsync();
        Assert.NotNull(thirdReader);
    }

    [Fact]
    public async Task TryUpgradeAsync_TwoReadersUpgradeAtOnce_SecondThrowsDeadlock()
    {
        var name = UniqueName("rw");
        await using var first = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var second = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var firstUpgrade = first.UpgradeAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        var e = await Assert.ThrowsAsync<DeadlockException>(() => WithinPatience(second.TryUpgradeAsync(Patience).AsTask()));

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Equal(LockMode.Shared, second.Mode);
        await second.DisposeAsync();
        await WithinPatience(firstUpgrade);
        Assert.Equal(LockMode.Exclusive, first.Mode);
    }

    [Fact]
    public async Task ReleaseAsync_WhileUpgrading_EndsTheUpgradeAndReleases()
    {
        var name = UniqueName("rw");
        var upgrading = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var upgrade = upgrading.TryUpgradeAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        await WithinPatience(upgrading.DisposeAsync().AsTask());

        Assert.False(await WithinPatience(upgrade));
        await WaitForListingAsync(name, info => info is { Holders.Count: 1, Waiters.Count: 0 }, "only the other reader");
        await other.DisposeAsync();
        await WaitUntilFreeAsync(name);
    }

    [Fact]
    public async Task DowngradeAsync_ReaderWaitingBeforeWriter_LetsTheReaderInButNotTheWriter()
    {
        var name = UniqueName("rw");
        await using var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        var reading = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);
        var writing = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireWriteAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 2);
        var token = writer.FencingToken;

        await writer.DowngradeAsync();

        Assert.Equal(LockMode.Shared, writer.Mode);
        Assert.Equal(token, writer.FencingToken);
        var reader = await WithinPatience(reading);
        await AssertStillPendingAsync(writing);
        await reader.DisposeAsync();
        await writer.DisposeAsync();
        await using var nextWriter = await WithinPatience(writing);
        Assert.True(nextWriter.FencingToken > token);
    }

    [Fact]
    public async Task DowngradeAsync_AlreadyShared_DoesNothing()
    {
        await using var reader = await Coordinator.CreateReaderWriterLock(UniqueName("rw")).AcquireReadAsync(Patience);
        var token = reader.FencingToken;

        await reader.DowngradeAsync();

        Assert.Equal(LockMode.Shared, reader.Mode);
        Assert.Equal(token, reader.FencingToken);
    }

    [Fact]
    public async Task CreateLock_SameName_IsTheWriterSide()
    {
        var name = UniqueName("rw");
        var other = await CreateCoordinatorAsync();

        await using (var exclusive = await Coordinator.CreateLock(name).AcquireAsync(Patience))
        {
            Assert.Null(await other.CreateReaderWriterLock(name).TryAcquireReadAsync());
            Assert.Null(await other.CreateReaderWriterLock(name).TryAcquireWriteAsync());
        }

        await using (var reader = await other.CreateReaderWriterLock(name).AcquireReadAsync(Patience))
        {
            Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
        }

        await using (var writer = await other.CreateReaderWriterLock(name).AcquireWriteAsync(Patience))
        {
            Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
        }

        await using var free = await Coordinator.CreateLock(name).TryAcquireAsync();
        Assert.NotNull(free);
    }

    [Fact]
    public async Task AcquireReadAsync_Timeouts_FollowTheMethodFamily()
    {
        var name = UniqueName("rw");
        await using var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        var rw = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name);

        Assert.Null(await rw.TryAcquireReadAsync(TimeSpan.FromMilliseconds(50)));
        await Assert.ThrowsAsync<TimeoutException>(() => rw.AcquireReadAsync(TimeSpan.FromMilliseconds(50)).AsTask());
        await Assert.ThrowsAsync<TimeoutException>(() => rw.AcquireWriteAsync(TimeSpan.Zero).AsTask());
        Assert.Null(rw.TryAcquireRead());
        Assert.Null(rw.TryAcquireWrite());
        await WaitForWaitersAsync(name, 0);
    }

    [Fact]
    public async Task TryAcquireReadAsync_SyncForms_Work()
    {
        var name = UniqueName("rw");
        var rw = Coordinator.CreateReaderWriterLock(name);

        using (var reader = rw.TryAcquireRead())
        {
            Assert.NotNull(reader);
            using var secondReader = rw.TryAcquireRead();
            Assert.NotNull(secondReader);
            Assert.Null(rw.TryAcquireWrite());
        }

        using var writer = rw.TryAcquireWrite(Patience);
        Assert.NotNull(writer);
        Assert.Null(await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).TryAcquireReadAsync());
    }

    [Fact]
    public async Task AcquireWriteAsync_CancelledWhileWaiting_LeavesQueueAndLetsReadersIn()
    {
        var name = UniqueName("rw");
        await using var reader = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        using var cancellation = new CancellationTokenSource();
        var writing = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireWriteAsync(cancellationToken: cancellation.Token).AsTask();
        await WaitForWaitersAsync(name, 1);
        var reading = (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 2);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(writing));
        await using var secondReader = await WithinPatience(reading);
        Assert.Equal(LockMode.Shared, secondReader.Mode);
    }
}
