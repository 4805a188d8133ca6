using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;

namespace Baton.Benchmarks;

/// <summary>
/// One caller, nobody else: acquire then release, on <c>memory://</c>, against
/// <see cref="SemaphoreSlim"/> as the baseline of the same run. The requirement: at most 2x the
/// baseline, and no allocation beyond the handle.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes.")]
public class UncontendedBenchmarks
{
    private readonly SemaphoreSlim _semaphoreSlim = new(1, 1);
    private Coordinator _coordinator = null!;
    private DistributedLock _lock = null!;
    private DistributedReaderWriterLock _readerWriterLock = null!;
    private DistributedSemaphore _semaphore = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _coordinator = await Coordinator.ConnectAsync("memory://bench-uncontended");
        _lock = _coordinator.CreateLock("lock");
        _readerWriterLock = _coordinator.CreateReaderWriterLock("rw");
        _semaphore = _coordinator.CreateSemaphore("semaphore", 4);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _coordinator.DisposeAsync();
        _semaphoreSlim.Dispose();
    }

    [Benchmark(Baseline = true, Description = "SemaphoreSlim WaitAsync+Release")]
    public async ValueTask SemaphoreSlim_WaitAsync_Release()
    {
        await _semaphoreSlim.WaitAsync();
        _semaphoreSlim.Release();
    }

    [Benchmark(Description = "lock: await using AcquireAsync()")]
    public async ValueTask Lock_AcquireAsync()
    {
        await using var handle = await _lock.AcquireAsync();
    }

    [Benchmark(Description = "lock: AcquireAsync()+DisposeAsync")]
    public async ValueTask Lock_AcquireAsync_DisposeAsync()
    {
        var handle = await _lock.AcquireAsync();
        await handle.DisposeAsync();
    }

    [Benchmark(Description = "lock: TryAcquireAsync()+DisposeAsync")]
    public async ValueTask Lock_TryAcquireAsync()
    {
        var handle = await _lock.TryAcquireAsync() ?? throw new InvalidOperationException("The free lock was not acquired.");
        await handle.DisposeAsync();
    }

    [Benchmark(Description = "lock: TryAcquire()+Dispose (sync)")]
    public void Lock_TryAcquire_Sync()
    {
        using var handle = _lock.TryAcquire() ?? throw new InvalidOperationException("The free lock was not acquired.");
    }

    [Benchmark(Description = "rw: await using AcquireReadAsync()")]
    public async ValueTask ReaderWriter_Read()
    {
        await using var handle = await _readerWriterLock.AcquireReadAsync();
    }

    [Benchmark(Description = "rw: await using AcquireWriteAsync()")]
    public async ValueTask ReaderWriter_Write()
    {
        await using var handle = await _readerWriterLock.AcquireWriteAsync();
    }

    [Benchmark(Description = "semaphore(4): await using AcquireAsync()")]
    public async ValueTask Semaphore_AcquireAsync()
    {
        await using var handle = await _semaphore.AcquireAsync();
    }
}
