using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;

namespace Baton.Conformance;

/// <summary>
/// The exclusive lock's contract within one process: mutual exclusion (rule 1), fencing tokens (2),
/// release (5), timeouts and cancellation (6), fair and quiet waiting (7), no reentrancy (8), the handle.
/// </summary>
public abstract class LockConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task AcquireAsync_ManyTasksIncrementingCounter_NeverOverlap()
    {
        var name = UniqueName();
        Coordinator[] coordinators = [Coordinator, await CreateCoordinatorAsync(), await CreateCoordinatorAsync()];
        const int Workers = 8;
        const int Rounds = 25;
        var probe = new ExclusionProbe();

        var workers = Enumerable.Range(0, Workers).Select(i => Task.Run(async () =>
        {
            var distributedLock = coordinators[i % coordinators.Length].CreateLock(name);
            for (var round = 0; round < Rounds; round++)
            {
                await using var handle = await distributedLock.AcquireAsync(Patience);
                await probe.VisitAsync();
            }
        }));
        await Task.WhenAll(workers).WaitAsync(Patience * 3);

        Assert.Equal(0, probe.Overlaps);
        Assert.Equal(Workers * Rounds, probe.Count);
    }

    [Fact]
    public async Task AcquireAsync_SuccessiveHolders_FencingTokensStrictlyIncrease()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        var previous = 0L;
        for (var i = 0; i < 10; i++)
        {
            await using var handle = await (i % 2 == 0 ? Coordinator : other).CreateLock(name).AcquireAsync(Patience);
            Assert.True(handle.FencingToken > previous, $"Holder {i} got token {handle.FencingToken}, not greater than {previous}.");
            previous = handle.FencingToken;
        }
    }

    [Fact]
    public async Task AcquireAsync_HandedOverToWaiter_WaiterTokenIsGreater()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        var first = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        var waiting = other.CreateLock(name).AcquireAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        await first.DisposeAsync();
        await using var second = await WithinPatience(waiting);

        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task TryAcquireAsync_HeldByAnother_ReturnsNull()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        Assert.Null(await other.CreateLock(name).TryAcquireAsync());
        Assert.Null(await other.CreateLock(name).TryAcquireAsync(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task TryAcquireAsync_ZeroTimeoutWhileHeld_ReturnsNullWithoutQueueing()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        Assert.Null(await WithinPatience(other.CreateLock(name).TryAcquireAsync(TimeSpan.Zero).AsTask()));

        var info = await FindAsync(name);
        Assert.NotNull(info);
        Assert.Empty(info.Waiters);
    }

    [Fact]
    public async Task TryAcquireAsync_ZeroTimeoutWhenFree_Acquires()
    {
        await using var handle = await Coordinator.CreateLock(UniqueName()).TryAcquireAsync(TimeSpan.Zero);

        Assert.NotNull(handle);
    }

    [Fact]
    public async Task TryAcquireAsync_TimeoutWhileHeld_ReturnsNullAfterTimeoutAndLeavesQueue()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        var elapsed = Stopwatch.StartNew();
        var handle = await other.CreateLock(name).TryAcquireAsync(Quiet);
        elapsed.Stop();

        Assert.Null(handle);
        Assert.True(elapsed.Elapsed >= Quiet - TimeSpan.FromMilliseconds(20), $"Gave up after {elapsed.Elapsed}, before the timeout of {Quiet}.");
        await WaitForWaitersAsync(name, 0);
    }

    [Fact]
    public async Task AcquireAsync_TimeoutWhileHeld_ThrowsTimeoutExceptionNamingTheLock()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => other.CreateLock(name).AcquireAsync(Quiet).AsTask());

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        await WaitForWaitersAsync(name, 0);
    }

    [Fact]
    public async Task AcquireAsync_ZeroTimeoutWhileHeld_ThrowsTimeoutException()
    {
        var name = UniqueName();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        await Assert.ThrowsAsync<TimeoutException>(() => Coordinator.CreateLock(name).AcquireAsync(TimeSpan.Zero).AsTask());
    }

    [Fact]
    public async Task AcquireAsync_InfiniteTimeout_WaitsUntilReleased()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        var waiting = other.CreateLock(name).AcquireAsync(Timeout.InfiniteTimeSpan).AsTask();
        await AssertStillPendingAsync(waiting);
        await held.DisposeAsync();

        await using var handle = await WithinPatience(waiting);
        Assert.Equal(name, handle.Name);
    }

    [Fact]
    public async Task AcquireAsync_CancelledWhileWaiting_ThrowsPromptlyAndLeavesQueue()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        using var cancellation = new CancellationTokenSource();
        var waiting = other.CreateLock(name).AcquireAsync(cancellationToken: cancellation.Token).AsTask();
        await WaitForWaitersAsync(name, 1);

        var elapsed = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(waiting));
        elapsed.Stop();

        AssertPromptCancellation(elapsed.Elapsed);
        await WaitForWaitersAsync(name, 0);
        await held.DisposeAsync();
        await WaitUntilFreeAsync(name);
        await using var next = await Coordinator.CreateLock(name).TryAcquireAsync();
        Assert.NotNull(next);
    }

    [Fact]
    public async Task TryAcquireAsync_CancelledWhileWaitingWithTimeout_ThrowsPromptly()
    {
        var name = UniqueName();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        using var cancellation = new CancellationTokenSource();
        var waiting = Coordinator.CreateLock(name).TryAcquireAsync(Patience, cancellation.Token).AsTask();
        await WaitForWaitersAsync(name, 1);

        var elapsed = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(waiting));

        AssertPromptCancellation(elapsed.Elapsed);
        await WaitForWaitersAsync(name, 0);
    }

    [Fact]
    public async Task AcquireAsync_PreCancelledTokenWhenFree_ThrowsAndDoesNotAcquire()
    {
        var name = UniqueName();
        var distributedLock = Coordinator.CreateLock(name);
        var cancelled = new CancellationToken(canceled: true);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => distributedLock.AcquireAsync(cancellationToken: cancelled).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => distributedLock.TryAcquireAsync(cancellationToken: cancelled).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => distributedLock.TryAcquireAsync(Patience, cancelled).AsTask());
        Assert.ThrowsAny<OperationCanceledException>(() => distributedLock.TryAcquire(cancellationToken: cancelled));

        Assert.Null(await FindAsync(name));
        await using var handle = await (await CreateCoordinatorAsync()).CreateLock(name).TryAcquireAsync();
        Assert.NotNull(handle);
    }

    [Fact]
    public async Task AcquireAsync_SeveralWaiters_ServedInArrivalOrder()
    {
        var name = UniqueName();
        var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        var order = new ConcurrentQueue<int>();
        var waiters = new List<Task>();
        for (var i = 0; i < 5; i++)
        {
            var coordinator = await CreateCoordinatorAsync();
            var index = i;
            waiters.Add(Task.Run(async () =>
            {
                await using var handle = await coordinator.CreateLock(name).AcquireAsync(Patience);
                order.Enqueue(index);
            }));
            await WaitForWaitersAsync(name, i + 1);
        }

        await held.DisposeAsync();
        await WithinPatience(Task.WhenAll(waiters));

        if (IsFifo)
        {
            Assert.Equal([0, 1, 2, 3, 4], order);
        }
        else
        {
            Assert.Equal(5, order.Count);
        }
    }

    [Fact]
    public async Task ReleaseAsync_SeveralExclusiveWaiters_GrantsOnlyOne()
    {
        var name = UniqueName();
        var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        var waiters = new List<Task<LockHandle>>();
        for (var i = 0; i < 3; i++)
        {
            waiters.Add((await CreateCoordinatorAsync()).CreateLock(name).AcquireAsync(Patience).AsTask());
        }

        await WaitForWaitersAsync(name, 3);

        await held.DisposeAsync();
        var first = await WithinPatience(Task.WhenAny(waiters));
        var others = waiters.Where(w => w != first).ToArray();
        await AssertStillPendingAsync(others);
        var info = await FindAsync(name);
        Assert.NotNull(info);
        Assert.Single(info.Holders);
        Assert.Equal(2, info.Waiters.Count);

        await DrainAsync(waiters);
    }

    [Fact]
    public async Task TryAcquireAsync_SameCoordinatorAlreadyHolds_IsNotReentrant()
    {
        var name = UniqueName();
        var distributedLock = Coordinator.CreateLock(name);
        await using var held = await distributedLock.AcquireAsync(Patience);

        Assert.Null(await distributedLock.TryAcquireAsync());
        Assert.Null(await distributedLock.TryAcquireAsync(TimeSpan.FromMilliseconds(50)));
        Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
        await Assert.ThrowsAsync<TimeoutException>(() => distributedLock.AcquireAsync(TimeSpan.Zero).AsTask());
    }

    [Fact]
    public async Task AcquireAsync_SameCoordinatorAlreadyHolds_WaitsUntilOwnRelease()
    {
        var name = UniqueName();
        var distributedLock = Coordinator.CreateLock(name);
        var held = await distributedLock.AcquireAsync(Patience);

        var again = distributedLock.AcquireAsync(Patience).AsTask();
        await AssertStillPendingAsync(again);
        await held.DisposeAsync();

        await using var handle = await WithinPatience(again);
        Assert.True(handle.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task DisposeAsync_Twice_NeverThrowsNorReleasesTheNextHolder()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        var first = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        await first.DisposeAsync();
        Assert.True(first.IsReleased);
        await using var second = await other.CreateLock(name).TryAcquireAsync();
        Assert.NotNull(second);

        await first.DisposeAsync();
        await first.ReleaseAsync();
        first.Dispose();

        Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
        Assert.False(second.IsReleased);
    }

    [Fact]
    public async Task Dispose_SyncForm_Releases()
    {
        var name = UniqueName();
        using (var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience))
        {
            Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
        }

        await using var again = await Coordinator.CreateLock(name).TryAcquireAsync();
        Assert.NotNull(again);
    }

    [Fact]
    public async Task DisposeAsync_AfterCoordinatorDisposed_DoesNotThrow()
    {
        var name = UniqueName();
        var owner = await CreateCoordinatorAsync();
        var handle = await owner.CreateLock(name).AcquireAsync(Patience);
        await owner.DisposeAsync();

        await handle.DisposeAsync();
        handle.Dispose();
        await owner.DisposeAsync();

        Assert.True(handle.IsReleased);
        await using var next = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        Assert.True(next.FencingToken > handle.FencingToken);
    }

    [Fact]
    public async Task AcquireAsync_Granted_HandleExposesNameTokenAndLiveLostToken()
    {
        var name = UniqueName();
        var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        Assert.Equal(name, handle.Name);
        Assert.Equal(LockKind.Lock, handle.Kind);
        Assert.Equal(LockMode.Exclusive, handle.Mode);
        Assert.True(handle.FencingToken > 0, $"Fencing token {handle.FencingToken} is not positive.");
        Assert.True(handle.LostToken.CanBeCanceled);
        Assert.False(handle.LostToken.IsCancellationRequested);
        Assert.False(handle.IsLost);
        Assert.Null(handle.LossReason);
        Assert.Null(handle.Takeover);
        Assert.False(handle.IsReleased);
        Assert.Contains(name, handle.ToString(), StringComparison.Ordinal);

        await handle.DisposeAsync();
        Assert.True(handle.IsReleased);
    }

    [Fact]
    public async Task Acquire_SyncForms_AcquireTryAndTimeOut()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();

        using (var handle = Coordinator.CreateLock(name).Acquire(Patience))
        {
            Assert.Equal(name, handle.Name);
            Assert.Null(other.CreateLock(name).TryAcquire());
            Assert.Null(other.CreateLock(name).TryAcquire(TimeSpan.FromMilliseconds(50)));
            Assert.Throws<TimeoutException>(() => other.CreateLock(name).Acquire(TimeSpan.Zero));
        }

        using var again = other.CreateLock(name).TryAcquire();
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Acquire_SyncWhileHeld_BlocksUntilReleased()
    {
        var name = UniqueName();
        var other = await CreateCoordinatorAsync();
        var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        var blocked = Task.Run(() => other.CreateLock(name).Acquire(Patience));
        await WaitForWaitersAsync(name, 1);
        Assert.False(blocked.IsCompleted);
        await held.DisposeAsync();

        using var handle = await WithinPatience(blocked);
        Assert.True(handle.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task TryAcquire_SyncCancelledWhileWaiting_ThrowsOperationCanceled()
    {
        var name = UniqueName();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        using var cancellation = new CancellationTokenSource();

        var blocked = Task.Run(() => Coordinator.CreateLock(name).TryAcquire(Timeout.InfiniteTimeSpan, cancellation.Token));
        await WaitForWaitersAsync(name, 1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(blocked));
        await WaitForWaitersAsync(name, 0);
    }

    [Fact]
    public async Task AcquireAsync_CoordinatorDisposed_ThrowsObjectDisposed()
    {
        var owner = await CreateCoordinatorAsync();
        var distributedLock = owner.CreateLock(UniqueName());
        await owner.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => distributedLock.TryAcquireAsync().AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => distributedLock.AcquireAsync(Patience).AsTask());
    }

    [Fact]
    public async Task AcquireAsync_CoordinatorDisposedWhileWaiting_StopsWaitingWithObjectDisposed()
    {
        var name = UniqueName();
        var waiter = await CreateCoordinatorAsync();
        await using var held = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        var waiting = waiter.CreateLock(name).AcquireAsync().AsTask();
        await WaitForWaitersAsync(name, 1);

        await waiter.DisposeAsync();

        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => WithinPatience(waiting));
        await WaitForWaitersAsync(name, 0);
    }
}
