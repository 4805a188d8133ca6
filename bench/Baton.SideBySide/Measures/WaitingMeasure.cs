using System.Diagnostics;
using Baton.SideBySide.Subjects;

namespace Baton.SideBySide.Measures;

/// <summary>
/// "Waiting costs no CPU", in process: one client holds, a second waits in its acquire for
/// <see cref="MeasureSettings.WaitSeconds"/>; the figure is this whole process's CPU time meanwhile
/// (so it includes the runtime's own background work; a cross-process subject measures the waiter alone).
/// </summary>
internal static class WaitingMeasure
{
    public static async Task<WaitingResult> RunAsync(InProcessSubject subject, MeasureSettings settings, CancellationToken cancellationToken)
    {
        await using var holder = await subject.OpenClientAsync(settings.LockName, cancellationToken);
        await using var waiter = await subject.OpenClientAsync(settings.LockName, cancellationToken);
        await holder.AcquireAsync();
        var waiting = Task.Run(async () =>
        {
            await waiter.AcquireAsync();
            await waiter.ReleaseAsync();
        }, cancellationToken);

        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        using var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(settings.WaitSeconds), cancellationToken);
        self.Refresh();
        var used = self.TotalProcessorTime - before;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (waiting.IsCompleted)
        {
            await holder.ReleaseAsync();
            await waiting;
            throw new InvalidOperationException("The waiter acquired while the holder still held the name: mutual exclusion is broken.");
        }

        await holder.ReleaseAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var result = new WaitingResult { Seconds = elapsed, CpuSeconds = used.TotalSeconds, Placement = "in-process (whole process)" };
        result.Normalize();
        return result;
    }
}
