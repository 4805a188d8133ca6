using System.Diagnostics;
using Baton.SideBySide.Subjects;

namespace Baton.SideBySide.Measures;

/// <summary>
/// PEERS.md "handoff": a holder keeps the name for a random 50–150 ms while a second client is already
/// blocked in its acquire; the sample is the time from the holder's release call to the moment the
/// waiter's acquire returns, both read from <see cref="Stopwatch.GetTimestamp"/> (one monotonic clock).
/// </summary>
internal static class HandoffMeasure
{
    private const int WarmupTrials = 50;

    private static readonly TimeSpan WaiterTimeout = TimeSpan.FromSeconds(30);

    public static async Task<HandoffResult> RunAsync(InProcessSubject subject, MeasureSettings settings, CancellationToken cancellationToken)
    {
        await using var holder = await subject.OpenClientAsync(settings.LockName, cancellationToken);
        await using var waiter = await subject.OpenClientAsync(settings.LockName, cancellationToken);
        var random = new Random(settings.Seed);
        var samples = new double[settings.Trials];

        // Untimed trials with 1 ms holds warm the queued path (queueing, granting, waking): at least
        // WarmupTrials of them and at least the warm-up time, so a JIT has promoted that path too (with
        // 30 trials alone it would be measured half-compiled, unlike the hot uncontended path).
        var warmupUntil = Stopwatch.GetTimestamp() + (settings.WarmupMs * Stopwatch.Frequency / 1000);
        for (var i = 0; i < WarmupTrials || Stopwatch.GetTimestamp() < warmupUntil; i++)
        {
            await TrialAsync(holder, waiter, TimeSpan.FromMilliseconds(1), cancellationToken);
        }

        for (var i = 0; i < samples.Length; i++)
        {
            var hold = TimeSpan.FromMilliseconds(random.Next(settings.HoldMinMs, settings.HoldMaxMs + 1));
            samples[i] = await TrialAsync(holder, waiter, hold, cancellationToken) * 1e3 / Stopwatch.Frequency;
        }

        var result = new HandoffResult { SamplesMs = samples, Placement = "in-process" };
        result.Normalize();
        return result;
    }

    /// <summary>One trial; returns the handoff in <see cref="Stopwatch"/> ticks.</summary>
    private static async Task<long> TrialAsync(ILockClient holder, ILockClient waiter, TimeSpan hold, CancellationToken cancellationToken)
    {
        await holder.AcquireAsync();
        var waiting = Task.Run(async () =>
        {
            await waiter.AcquireAsync();
            var acquiredAt = Stopwatch.GetTimestamp();
            await waiter.ReleaseAsync();
            return acquiredAt;
        }, cancellationToken);

        await Task.Delay(hold, cancellationToken);
        if (waiting.IsCompleted)
        {
            await holder.ReleaseAsync();
            await waiting;
            throw new InvalidOperationException("The waiter acquired while the holder still held the name: mutual exclusion is broken.");
        }

        var releasedAt = Stopwatch.GetTimestamp();
        await holder.ReleaseAsync();
        var acquiredAt = await waiting.WaitAsync(WaiterTimeout, cancellationToken);
        return acquiredAt - releasedAt;
    }
}
