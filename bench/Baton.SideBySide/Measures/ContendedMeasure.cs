using System.Diagnostics;
using Baton.SideBySide.Subjects;

namespace Baton.SideBySide.Measures;

/// <summary>
/// PEERS.md "contended": N workers (default 4), each with its own client, acquire+release one name in a
/// loop with no work inside, for a fixed time. Counts, per worker, the acquire+release cycles that
/// finished before the deadline.
/// </summary>
internal static class ContendedMeasure
{
    public static async Task<ContendedResult> RunAsync(InProcessSubject subject, MeasureSettings settings, CancellationToken cancellationToken)
    {
        var clients = new ILockClient[settings.Workers];
        try
        {
            for (var i = 0; i < clients.Length; i++)
            {
                clients[i] = await subject.OpenClientAsync(settings.LockName, cancellationToken);
            }

            // Warm the acquire/release path of every client before the clock starts.
            foreach (var client in clients)
            {
                for (var i = 0; i < 100; i++)
                {
                    await client.AcquireAsync();
                    await client.ReleaseAsync();
                }
            }

            var counts = new long[clients.Length];
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var duration = (long)(settings.Seconds * Stopwatch.Frequency);
            long deadline = 0;
            var workers = new Task[clients.Length];
            for (var w = 0; w < workers.Length; w++)
            {
                var index = w;
                workers[w] = Task.Run(async () =>
                {
                    await gate.Task;
                    var client = clients[index];
                    var stopAt = Volatile.Read(ref deadline);
                    long count = 0;
                    while (true)
                    {
                        // Nothing inside the hold, not even the clock read: an acquisition counts when
                        // its release returned before the deadline.
                        await client.AcquireAsync();
                        await client.ReleaseAsync();
                        if (Stopwatch.GetTimestamp() >= stopAt || cancellationToken.IsCancellationRequested)
                        {
                            break;
                        }

                        count++;
                    }

                    counts[index] = count;
                }, cancellationToken);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var gen0Before = GC.CollectionCount(0);
            Volatile.Write(ref deadline, Stopwatch.GetTimestamp() + duration);
            gate.SetResult();
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(settings.Seconds + 60), cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var result = new ContendedResult
            {
                Seconds = settings.Seconds,
                PerWorker = counts,
                Gen0Collections = GC.CollectionCount(0) - gen0Before,
            };
            result.Normalize();
            result.AllocatedBytesPerAcquisition = result.Acquisitions > 0 ? (double)allocated / result.Acquisitions : null;
            return result;
        }
        finally
        {
            foreach (var client in clients)
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }
            }
        }
    }
}
