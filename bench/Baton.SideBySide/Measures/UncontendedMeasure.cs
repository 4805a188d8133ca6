using System.Diagnostics;
using Baton.SideBySide.Subjects;

namespace Baton.SideBySide.Measures;

/// <summary>
/// PEERS.md "uncontended": one client, acquire+release of one free lock; warm up, then time every
/// cycle on its own with <see cref="Stopwatch.GetTimestamp"/> (so each sample includes one clock read,
/// about 20–30 ns here, for every subject alike).
/// </summary>
internal static class UncontendedMeasure
{
    public static async Task<UncontendedResult> RunAsync(InProcessSubject subject, MeasureSettings settings, CancellationToken cancellationToken)
    {
        await using var client = await subject.OpenClientAsync(settings.LockName, cancellationToken);

        var warmupUntil = Stopwatch.GetTimestamp() + (settings.WarmupMs * Stopwatch.Frequency / 1000);
        for (var i = 0; i < settings.WarmupCycles || Stopwatch.GetTimestamp() < warmupUntil; i++)
        {
            await client.AcquireAsync();
            await client.ReleaseAsync();
            if ((i & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        var ticks = new long[settings.Cycles];
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gen0Before = GC.CollectionCount(0);
        for (var i = 0; i < ticks.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.AcquireAsync();
            await client.ReleaseAsync();
            ticks[i] = Stopwatch.GetTimestamp() - started;
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var result = new UncontendedResult
        {
            SamplesUs = Array.ConvertAll(ticks, t => t * 1e6 / Stopwatch.Frequency),
            AllocatedBytesPerCycle = (double)allocated / ticks.Length,
            Gen0Collections = GC.CollectionCount(0) - gen0Before,
        };
        result.Normalize();
        return result;
    }
}
