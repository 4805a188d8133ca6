using Xunit;
using static Baton.Tests.Ordering.OrderingBackends;

namespace Baton.Tests.Ordering;

/// <summary>The deadlock detector: a wait that closes a cycle of waiting flows fails at once; the others go on.</summary>
public sealed class DeadlockDetectorTests
{
    [Theory]
    [InlineData("memory", "lock")]
    [InlineData("file", "lock")]
    [InlineData("memory", "reader-writer")]
    [InlineData("file", "reader-writer")]
    [InlineData("memory", "semaphore")]
    public async Task TwoFlows_EachWaitingForTheOthersName_ExactlyOneFailsThenTheOtherCompletes(string scheme, string primitive)
    {
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { DetectDeadlocks = true });
        var names = new[] { "first", "second" };
        var bothHeld = new Barrier(2);

        var outcomes = await Task.WhenAll(names.Select((held, i) => Flow(async () =>
        {
            var wanted = names[1 - i];

            // Acquired here, not in an async helper: a hold taken inside an async method stays in that method's flow.
            await using IAsyncDisposable hold = primitive switch
            {
                "lock" => await coordinator.CreateLock(held).AcquireAsync(Patience),
                "semaphore" => await coordinator.CreateSemaphore(held, 1).AcquireAsync(Patience),
                _ => await coordinator.CreateReaderWriterLock(held).AcquireWriteAsync(Patience),
            };
            await Task.Run(() => bothHeld.SignalAndWait(Patience));
            try
            {
                // For reader-writer locks, a reader waiting for the other's writer.
                await using IAsyncDisposable other = primitive switch
                {
                    "lock" => await coordinator.CreateLock(wanted).AcquireAsync(Patience),
                    "semaphore" => await coordinator.CreateSemaphore(wanted, 1).AcquireAsync(Patience),
                    _ => await coordinator.CreateReaderWriterLock(wanted).AcquireReadAsync(Patience),
                };
                return (Exception?)null;
            }
            catch (DeadlockException e)
            {
                return e;
            }
        })));

        var failure = Assert.Single(outcomes, outcome => outcome is not null);
        Assert.IsType<DeadlockException>(failure);
        Assert.Contains("'first'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'second'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(coordinator.BackendUrl, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task ThreeFlows_InACycle_ExactlyOneFailsThenTheOthersComplete(string scheme)
    {
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { DetectDeadlocks = true });
        var names = new[] { "a", "b", "c" };
        var allHeld = new Barrier(3);

        var outcomes = await Task.WhenAll(names.Select((held, i) => Flow(async () =>
        {
            await using var hold = await coordinator.CreateLock(held).AcquireAsync(Patience);
            await Task.Run(() => allHeld.SignalAndWait(Patience));
            try
            {
                await using var next = await coordinator.CreateLock(names[(i + 1) % 3]).AcquireAsync(Patience);
                return (Exception?)null;
            }
            catch (DeadlockException e)
            {
                return e;
            }
        })));

        var failure = Assert.Single(outcomes, outcome => outcome is not null);
        Assert.All(names, name => Assert.Contains($"'{name}'", failure!.Message, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task HolderNotWaiting_NoDeadlockReported(string scheme)
    {
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { DetectDeadlocks = true });
        var (a, b, c) = (coordinator.CreateLock("a"), coordinator.CreateLock("b"), coordinator.CreateLock("c"));
        var holdingC = await Flow(() => c.AcquireAsync(Patience).AsTask());
        var holdingA = await Flow(() => a.AcquireAsync(Patience).AsTask());

        // Flow 2 holds 'b' and waits for 'a', whose holder runs.
        var bHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = Flow(async () =>
        {
            await using var hold = await b.AcquireAsync(Patience);
            bHeld.SetResult();
            await using var wanted = await a.AcquireAsync(Patience);
        });
        await bHeld.Task;
        await WaitForWaitersAsync(coordinator, "a", 1);

        // Flow 3 waits for 'b' (held by the waiting flow 2) and for 'c', whose holder runs: a chain, no cycle.
        var third = Flow(async () =>
        {
            await using var wanted = await b.AcquireAsync(Patience);
            await using var also = await c.AcquireAsync(Patience);
        });
        await WaitForWaitersAsync(coordinator, "b", 1);

        await holdingA.DisposeAsync();
        await second;
        await holdingC.DisposeAsync();
        await third;
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task OneFlow_StartsWaitsForItsOwnNameThenReleases_NoDeadlockReported(string scheme)
    {
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { DetectDeadlocks = true });
        var name = coordinator.CreateLock("queue");

        await Flow(async () =>
        {
            var hold = await name.AcquireAsync(Patience);
            var first = name.AcquireAsync(Patience);
            var second = name.AcquireAsync(Patience);
            await WaitForWaitersAsync(coordinator, "queue", 2);
            await hold.DisposeAsync();

            // The file backend may queue the two in either order: release whichever came first, then the other.
            var waits = new List<Task<LockHandle>> { first.AsTask(), second.AsTask() };
            while (waits.Count > 0)
            {
                var granted = await Task.WhenAny(waits);
                waits.Remove(granted);
                await (await granted).DisposeAsync();
            }
        });
    }

    [Fact]
    public async Task Off_TheSameCycle_WaitsUntilTheTimeout()
    {
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl("memory"));
        var bothHeld = new Barrier(2);
        var names = new[] { "first", "second" };

        var outcomes = await Task.WhenAll(names.Select((held, i) => Flow(async () =>
        {
            await using var hold = await coordinator.CreateLock(held).AcquireAsync(Patience);
            await Task.Run(() => bothHeld.SignalAndWait(Patience));
            return await coordinator.CreateLock(names[1 - i]).TryAcquireAsync(TimeSpan.FromMilliseconds(200));
        })));

        // Neither failed early: at least one timed out (the other may get its name once the first gives up).
        Assert.Contains(null, outcomes);
        foreach (var handle in outcomes)
        {
            await (handle?.DisposeAsync() ?? default);
        }
    }
}
