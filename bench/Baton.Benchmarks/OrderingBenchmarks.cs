using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;

namespace Baton.Benchmarks;

/// <summary>
/// The cost of the lock-order checker and the deadlock detector on the uncontended path: one caller,
/// acquire then release one free lock, on <c>memory://</c> and on <c>file://</c>, with both off (the
/// default) and with each on.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes.")]
public class OrderingBenchmarks
{
    private Coordinator _coordinator = null!;
    private DistributedLock _lock = null!;
    private string? _directory;

    /// <summary>The backend scheme.</summary>
    [Params("memory", "file")]
    public string Backend { get; set; } = "memory";

    /// <summary>off (the default options), checker (a lock-order checker in Report mode) or detector (DetectDeadlocks).</summary>
    [Params("off", "checker", "detector")]
    public string Ordering { get; set; } = "off";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var url = "memory://bench-ordering";
        if (Backend == "file")
        {
            _directory = Directory.CreateTempSubdirectory("baton-bench-").FullName;
            url = "file://" + _directory;
        }

        _coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions
        {
            LockOrderChecker = Ordering == "checker" ? new LockOrderChecker() : null,
            DetectDeadlocks = Ordering == "detector",
        });
        _lock = _coordinator.CreateLock("lock");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _coordinator.DisposeAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(Description = "lock: await using AcquireAsync()")]
    public async ValueTask Lock_AcquireAsync()
    {
        await using var handle = await _lock.AcquireAsync();
    }
}
