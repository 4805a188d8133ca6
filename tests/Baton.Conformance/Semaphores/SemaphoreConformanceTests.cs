using System.Collections.Concurrent;
using Xunit;

namespace Baton.Conformance;

/// <summary>
/// The semaphore's contract: at most N holders (rule 1), increasing tokens (2), arrival order and one
/// wake-up per release (7), agreement on the count, and its own namespace apart from locks.
/// </summary>
public abstract class SemaphoreConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task AcquireAsync_ManyTasks_AtMostMaxCountHoldAtOnce()
    {
        var name = UniqueName("sem");
        Coordinator[] coordinators = [Coordinator, await CreateCoordinatorAsync(), await CreateCoordinatorAsync()];
        const int MaxCount = 3;
        var current = 0;
        var highest = 0;

        var workers = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var semaphore = coordinators[i % coordinators.Length].CreateSemaphore(name, MaxCount);
            for (var round = 0; round < 10; round++)
            {
                await using var handle = await semaphore.AcquireAsync(Patience);
                var now = Interlocked.Increment(ref current);
                for (var seen = Volatile.Read(ref highest); now > seen; seen = Volatile.Read(ref highest))
                {
                    if (Interlocked.CompareExchange(ref highest, now, seen) == seen)
                    {
                        break;
                    }
                }

                // Holding for a moment lets the others pile up to the limit.
                await Task.Delay(1);
                Interlocked.Decrement(ref current);
            }
        }));
        await Task.WhenAll(workers).WaitAsync(Patience * 3);

        Assert.InRange(highest, 1, MaxCount);
    }

    [Fact]
    public async Task TryAcquireAsync_MaxCountHolders_AdmitsExactlyThatMany()
    {
        var name = UniqueName("sem");
        var handles = new List<LockHandle>();
        for (var i = 0; i < 3; i++)
        {
            var handle = await (await CreateCoordinatorAsync()).CreateSemaphore(name, 3).TryAcquireAsync();
            Assert.NotNull(handle);
            Assert.Equal(LockKind.Semaphore, handle.Kind);
            Assert.Equal(LockMode.Semaphore, handle.Mode);
            handles.Add(handle);
        }

        Assert.Null(await Coordinator.CreateSemaphore(name, 3).TryAcquireAsync());
        Assert.Null(await Coordinator.CreateSemaphore(name, 3).TryAcquireAsync(TimeSpan.FromMilliseconds(50)));
        await Assert.ThrowsAsync<TimeoutException>(() => Coordinator.CreateSemaphore(name, 3).AcquireAsync(TimeSpan.Zero).AsTask());

        foreach (var handle in handles)
        {
            await handle.DisposeAsync();
        }
    }

    [Fact]
    public async Task AcquireAsync_OneMoreThanMaxCount_WaitsAndIsGrantedOnRelease()
    {
        var name = UniqueName("sem");
        var first = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        await using var second = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        var third = (await CreateCoordinatorAsync()).CreateSemaphore(name, 2).AcquireAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1, LockKind.Semaphore);
        await AssertStillPendingAsync(third);

        await first.DisposeAsync();

        await using var granted = await WithinPatience(third);
        Assert.True(granted.FencingToken > second.FencingToken);
    }

    [Fact]
    public async Task ReleaseAsync_SeveralWaiters_GrantsOnlyOne()
    {
        var name = UniqueName("sem");
        var first = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        await using var second = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        var waiters = new List<Task<LockHandle>>();
        for (var i = 0; i < 3; i++)
        {
            waiters.Add((await CreateCoordinatorAsync()).CreateSemaphore(name, 2).AcquireAsync(Patience).AsTask());
        }

        await WaitForWaitersAsync(name, 3, LockKind.Semaphore);

        await first.DisposeAsync();
        var granted = await WithinPatience(Task.WhenAny(waiters));
        await AssertStillPendingAsync([.. waiters.Where(w => w != granted)]);

        await second.DisposeAsync();
        await DrainAsync(waiters);
    }

    [Fact]
    public async Task AcquireAsync_SeveralWaiters_ServedInArrivalOrder()
    {
        var name = UniqueName("sem");
        var first = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        var second = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        var order = new ConcurrentQueue<int>();
        var waiters = new List<Task>();
        for (var i = 0; i < 5; i++)
        {
            var coordinator = await CreateCoordinatorAsync();
            var index = i;
            waiters.Add(Task.Run(async () =>
            {
                await using var handle = await coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
                order.Enqueue(index);
            }));
            await WaitForWaitersAsync(name, i + 1, LockKind.Semaphore);
        }

        // One slot at a time: each waiter takes it in turn and gives it to the next.
        await first.DisposeAsync();
        await WithinPatience(Task.WhenAll(waiters));
        await second.DisposeAsync();

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
    public async Task AcquireAsync_SuccessiveHolders_FencingTokensStrictlyIncrease()
    {
        var name = UniqueName("sem");
        var other = await CreateCoordinatorAsync();
        var previous = 0L;
        var held = new List<LockHandle>();
        for (var i = 0; i < 8; i++)
        {
            var handle = await (i % 2 == 0 ? Coordinator : other).CreateSemaphore(name, 2).AcquireAsync(Patience);
            Assert.True(handle.FencingToken > previous, $"Holder {i} got token {handle.FencingToken}, not greater than {previous}.");
            previous = handle.FencingToken;
            held.Add(handle);
            if (held.Count == 2)
            {
                await held[0].DisposeAsync();
                held.RemoveAt(0);
            }
        }

        await held[0].DisposeAsync();
    }

    [Fact]
    public async Task TryAcquireAsync_CountDiffersFromHolders_ThrowsInvalidOperationNamingBothCounts()
    {
        var name = UniqueName("sem");
        await using var held = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        var mismatched = (await CreateCoordinatorAsync()).CreateSemaphore(name, 3);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => mismatched.TryAcquireAsync().AsTask());

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains("2", e.Message, StringComparison.Ordinal);
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Contains("count", e.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<InvalidOperationException>(() => mismatched.AcquireAsync(Patience).AsTask());
    }

    [Fact]
    public async Task TryAcquireAsync_SameNameAsLock_IsASeparateName()
    {
        var name = UniqueName("sem");
        await using var exclusive = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        await using var slot = await (await CreateCoordinatorAsync()).CreateSemaphore(name, 1).TryAcquireAsync();

        Assert.NotNull(slot);
        Assert.Null(await Coordinator.CreateLock(name).TryAcquireAsync());
    }

    [Fact]
    public async Task AcquireAsync_CancelledWhileWaiting_LeavesQueue()
    {
        var name = UniqueName("sem");
        var held = await Coordinator.CreateSemaphore(name, 1).AcquireAsync(Patience);
        using var cancellation = new CancellationTokenSource();
        var waiting = (await CreateCoordinatorAsync()).CreateSemaphore(name, 1).AcquireAsync(cancellationToken: cancellation.Token).AsTask();
        await WaitForWaitersAsync(name, 1, LockKind.Semaphore);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(waiting));
        await WaitForWaitersAsync(name, 0, LockKind.Semaphore);
        await held.DisposeAsync();
        await WaitUntilFreeAsync(name, LockKind.Semaphore);
    }

    [Fact]
    public async Task TryAcquire_SyncForms_Work()
    {
        var name = UniqueName("sem");
        var semaphore = (await CreateCoordinatorAsync()).CreateSemaphore(name, 2);

        using var first = semaphore.Acquire(Patience);
        using var second = semaphore.TryAcquire();
        Assert.NotNull(second);
        Assert.Null(semaphore.TryAcquire(TimeSpan.FromMilliseconds(50)));
        Assert.Throws<TimeoutException>(() => semaphore.Acquire(TimeSpan.Zero));
        Assert.Equal(2, semaphore.MaxCount);
    }
}
