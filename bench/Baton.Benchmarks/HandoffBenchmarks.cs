using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;

namespace Baton.Benchmarks;

/// <summary>
/// The slow path, in process: the caller holds the name, a second task queues for it, the caller
/// releases and awaits the second task, which then releases. One operation = one queued acquisition
/// handed over and completed on the thread pool (both primitives resume waiters asynchronously).
/// This measures the cost of queueing and handing over, not wall-clock latency under load (that is
/// bench/Baton.SideBySide's handoff measure).
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes.")]
public class HandoffBenchmarks
{
    private readonly SemaphoreSlim _semaphoreSlim = new(1, 1);
    private Coordinator _coordinator = null!;
    private DistributedLock _lock = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _coordinator = await Coordinator.ConnectAsync("memory://bench-handoff");
        _lock = _coordinator.CreateLock("lock");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _coordinator.DisposeAsync();
        _semaphoreSlim.Dispose();
    }

    [Benchmark(Baseline = true, Description = "SemaphoreSlim handoff to a queued WaitAsync")]
    public async Task SemaphoreSlim_Handoff()
    {
        await _semaphoreSlim.WaitAsync();
        var waiter = SemaphoreSlimWaiterAsync();
        _semaphoreSlim.Release();
        await waiter;
    }

    [Benchmark(Description = "lock: handoff to a queued AcquireAsync")]
    public async Task Lock_Handoff()
    {
        var held = await _lock.AcquireAsync();
        var waiter = LockWaiterAsync();
        await held.DisposeAsync();
        await waiter;
    }

    private async Task SemaphoreSlimWaiterAsync()
    {
        await _semaphoreSlim.WaitAsync();
        _semaphoreSlim.Release();
    }

    private async Task LockWaiterAsync()
    {
        await using var handle = await _lock.AcquireAsync();
    }
}
