using System.Diagnostics;
using System.Globalization;

namespace Baton.SideBySide.ChildProcesses;

/// <summary>
/// Contended, handoff and waiting for a Baton URL with every contending client in a child process of
/// its own: the PEERS.md method for backends whose locks belong to a process (file://) and the way
/// process-based peers are measured. The same figures as the in-process measures, same rules.
/// </summary>
internal static class CrossProcessMeasures
{
    private const int WarmupTrials = 50;

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    /// <summary><see cref="MeasureSettings.Workers"/> worker processes on one name for <see cref="MeasureSettings.Seconds"/>.</summary>
    public static async Task<ContendedResult> ContendedAsync(string spec, MeasureSettings settings, CancellationToken cancellationToken)
    {
        var workers = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < settings.Workers; i++)
            {
                workers.Add(await ChildProcess.StartAsync("worker", spec, settings.LockName, cancellationToken));
            }

            var deadline = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            foreach (var worker in workers)
            {
                await worker.SendAsync(string.Create(CultureInfo.InvariantCulture, $"go {deadline}"));
            }

            var counts = new long[workers.Count];
            for (var i = 0; i < counts.Length; i++)
            {
                var answer = await workers[i].ExpectAsync("count", TimeSpan.FromSeconds(settings.Seconds) + AnswerTimeout, cancellationToken);
                counts[i] = long.Parse(answer, NumberStyles.Integer, CultureInfo.InvariantCulture);
            }

            var result = new ContendedResult { Seconds = settings.Seconds, PerWorker = counts, Placement = "processes" };
            result.Normalize();
            return result;
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    /// <summary>A holder process and a waiter process; release call (holder's clock) to the waiter's return (its clock).</summary>
    public static async Task<HandoffResult> HandoffAsync(string spec, MeasureSettings settings, CancellationToken cancellationToken)
    {
        await using var holder = await ChildProcess.StartAsync("agent", spec, settings.LockName, cancellationToken);
        await using var waiter = await ChildProcess.StartAsync("agent", spec, settings.LockName, cancellationToken);
        var warmupUntil = Stopwatch.GetTimestamp() + (settings.WarmupMs * Stopwatch.Frequency / 1000);
        for (var i = 0; i < WarmupTrials || Stopwatch.GetTimestamp() < warmupUntil; i++)
        {
            await TrialAsync(holder, waiter, TimeSpan.FromMilliseconds(1), cancellationToken);
        }

        var random = new Random(settings.Seed);
        var samples = new double[settings.Trials];
        for (var i = 0; i < samples.Length; i++)
        {
            var hold = TimeSpan.FromMilliseconds(random.Next(settings.HoldMinMs, settings.HoldMaxMs + 1));
            samples[i] = await TrialAsync(holder, waiter, hold, cancellationToken) * 1e3 / Stopwatch.Frequency;
        }

        var result = new HandoffResult { SamplesMs = samples, Placement = "cross-process" };
        result.Normalize();
        return result;
    }

    /// <summary>The CPU time of a waiter process blocked <see cref="MeasureSettings.WaitSeconds"/> on a name a holder process holds.</summary>
    public static async Task<WaitingResult> WaitingAsync(string spec, MeasureSettings settings, CancellationToken cancellationToken)
    {
        await using var holder = await ChildProcess.StartAsync("agent", spec, settings.LockName, cancellationToken);
        await using var waiter = await ChildProcess.StartAsync("agent", spec, settings.LockName, cancellationToken);
        for (var i = 0; i < 10; i++)
        {
            await TrialAsync(holder, waiter, TimeSpan.FromMilliseconds(1), cancellationToken);
        }

        await holder.SendAsync("acquire");
        await holder.ExpectAsync("acquired", AnswerTimeout, cancellationToken);
        await waiter.SendAsync("acquire");
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // it blocks, and start-up work settles
        var before = ProcessCpu.Seconds(waiter.Pid);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(settings.WaitSeconds), cancellationToken);
        var used = ProcessCpu.Seconds(waiter.Pid) - before;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (waiter.HasAnswer)
        {
            throw new InvalidOperationException("The waiter acquired while the holder still held the name: mutual exclusion is broken.");
        }

        await holder.SendAsync("release");
        await holder.ExpectAsync("released", AnswerTimeout, cancellationToken);
        await waiter.ExpectAsync("acquired", AnswerTimeout, cancellationToken);
        await waiter.SendAsync("release");
        await waiter.ExpectAsync("released", AnswerTimeout, cancellationToken);
        var result = new WaitingResult { Seconds = elapsed, CpuSeconds = used, Placement = "cross-process" };
        result.Normalize();
        return result;
    }

    /// <summary>One trial; returns the handoff in <see cref="Stopwatch"/> ticks.</summary>
    private static async Task<long> TrialAsync(ChildProcess holder, ChildProcess waiter, TimeSpan hold, CancellationToken cancellationToken)
    {
        await holder.SendAsync("acquire");
        await holder.ExpectAsync("acquired", AnswerTimeout, cancellationToken);
        await waiter.SendAsync("acquire");
        await Task.Delay(hold, cancellationToken);
        if (waiter.HasAnswer)
        {
            throw new InvalidOperationException("The waiter acquired while the holder still held the name: mutual exclusion is broken.");
        }

        await holder.SendAsync("release");
        var releasedAt = await holder.ExpectTimestampAsync("released", AnswerTimeout, cancellationToken);
        var acquiredAt = await waiter.ExpectTimestampAsync("acquired", AnswerTimeout, cancellationToken);
        await waiter.SendAsync("release");
        await waiter.ExpectAsync("released", AnswerTimeout, cancellationToken);
        return acquiredAt - releasedAt;
    }
}
