using System.Collections.Concurrent;
using Baton.Conformance;
using Xunit;

namespace Baton.Tests.Memory;

/// <summary>
/// The memory backend's queue under load: joining is synchronous, so the arrival order is the call order
/// and long queues can be checked without polling the listing.
/// </summary>
public sealed class MemoryQueueTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _url = $"memory://queue-{Guid.NewGuid():N}";
    private readonly List<Coordinator> _coordinators = [];

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 4; i++)
        {
            _coordinators.Add(await Coordinator.ConnectAsync(_url));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var coordinator in _coordinators)
        {
            await coordinator.DisposeAsync();
        }
    }

    [Fact]
    public async Task ReleaseAsync_200Waiters_ServedOneAtATimeInArrivalOrder()
    {
        var held = await _coordinators[0].CreateLock("many").AcquireAsync();
        var order = new ConcurrentQueue<int>();
        var probe = new ExclusionProbe();
        var waiters = Enumerable.Range(0, 200).Select(i => HoldAndRecordAsync(i)).ToList();

        await held.DisposeAsync();
        await Task.WhenAll(waiters).WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 200), order);
        Assert.Equal(0, probe.Overlaps);
        Assert.Empty(await _coordinators[0].ListLocksAsync());

        async Task HoldAndRecordAsync(int index)
        {
            await using var handle = await _coordinators[index % _coordinators.Count].CreateLock("many").AcquireAsync(Patience);
            await probe.VisitAsync(() => order.Enqueue(index));
        }
    }

    [Fact]
    public async Task ReleaseAsync_ManyWaitersSomeCancelled_TheRestServedInOrder()
    {
        var held = await _coordinators[0].CreateLock("cancelled").AcquireAsync();
        var order = new ConcurrentQueue<int>();
        var cancellations = Enumerable.Range(0, 100).Select(_ => new CancellationTokenSource()).ToList();
        var waiters = Enumerable.Range(0, 100).Select(i => WaitAndRecordAsync(i)).ToList();

        foreach (var i in Enumerable.Range(0, 100).Where(i => i % 3 == 0))
        {
            await cancellations[i].CancelAsync();
        }

        await held.DisposeAsync();
        var outcomes = await Task.WhenAll(waiters.Select(w => Record.ExceptionAsync(() => w))).WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 3 != 0), order);
        for (var i = 0; i < 100; i++)
        {
            if (i % 3 == 0)
            {
                Assert.IsAssignableFrom<OperationCanceledException>(outcomes[i]);
            }
            else
            {
                Assert.Null(outcomes[i]);
            }
        }

        foreach (var cancellation in cancellations)
        {
            cancellation.Dispose();
        }

        async Task WaitAndRecordAsync(int index)
        {
            await using var handle = await _coordinators[index % _coordinators.Count].CreateLock("cancelled")
                .AcquireAsync(Patience, cancellations[index].Token);
            order.Enqueue(index);
        }
    }

    [Fact]
    public async Task ReleaseAsync_MixedQueue_GrantsRunsOfReadersThenOneWriterInOrder()
    {
        var rw = _coordinators[0].CreateReaderWriterLock("mixed");
        var writer = await rw.AcquireWriteAsync();

        // Queue: R R W R R R W.
        var modes = new[] { LockMode.Shared, LockMode.Shared, LockMode.Exclusive, LockMode.Shared, LockMode.Shared, LockMode.Shared, LockMode.Exclusive };
        var waiting = modes.Select((mode, i) =>
        {
            var waiterRw = _coordinators[i % _coordinators.Count].CreateReaderWriterLock("mixed");
            return mode == LockMode.Shared ? waiterRw.AcquireReadAsync(Patience).AsTask() : waiterRw.AcquireWriteAsync(Patience).AsTask();
        }).ToArray();

        await writer.DisposeAsync();
        var batch1 = await Task.WhenAll(waiting[0], waiting[1]).WaitAsync(Patience);
        Assert.All(waiting[2..], w => Assert.False(w.IsCompleted));

        await ReleaseAllAsync(batch1);
        var secondWriter = await waiting[2].WaitAsync(Patience);
        Assert.All(waiting[3..], w => Assert.False(w.IsCompleted));

        await secondWriter.DisposeAsync();
        var batch2 = await Task.WhenAll(waiting[3], waiting[4], waiting[5]).WaitAsync(Patience);
        Assert.False(waiting[6].IsCompleted);

        await ReleaseAllAsync(batch2);
        await using var lastWriter = await waiting[6].WaitAsync(Patience);
        Assert.Equal(LockMode.Exclusive, lastWriter.Mode);

        static async Task ReleaseAllAsync(IEnumerable<ReaderWriterLockHandle> handles)
        {
            foreach (var handle in handles)
            {
                await handle.DisposeAsync();
            }
        }
    }
}
