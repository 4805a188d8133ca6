using Baton.Reliability.History;

namespace Baton.Reliability.Workload;

/// <summary>
/// The workload of one holder: <see cref="WorkerSettings.Iterations"/> times, acquire (with a timeout), append BEGIN,
/// increment the shared counter non-atomically, append WRITE and END, release. A timeout or a failed acquisition is
/// recorded and the loop goes on; a failure backs off a little so that a server that is down is not hammered.
/// </summary>
public sealed class Worker(WorkerSettings settings, IExclusion exclusion, CounterResource counter, HistoryLog history, int pid)
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs every iteration.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        for (var iteration = 0; iteration < settings.Iterations; iteration++)
        {
            IExclusionHold? hold;
            try
            {
                hold = await exclusion.TryAcquireAsync(settings.AcquireTimeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                history.Append(new Record(RecordKind.Error, pid, iteration, Record.NoToken, MonotonicClock.Nanoseconds, e.GetType().Name));
                await Task.Delay(FailureBackoff, cancellationToken);
                continue;
            }

            if (hold is null)
            {
                history.Append(new Record(RecordKind.Timeout, pid, iteration, Record.NoToken, MonotonicClock.Nanoseconds));
                continue;
            }

            await using (hold)
            {
                var token = hold.Token;
                history.Append(new Record(RecordKind.Begin, pid, iteration, token, MonotonicClock.Nanoseconds));
                var result = await counter.IncrementAsync(token, settings.Hold, cancellationToken);
                history.Append(new Record(RecordKind.Write, pid, iteration, token, MonotonicClock.Nanoseconds, result));
                history.Append(new Record(RecordKind.End, pid, iteration, token, MonotonicClock.Nanoseconds, hold.IsLost ? "lost" : "ok"));
            }
        }
    }
}

/// <summary>How a worker runs.</summary>
public sealed record WorkerSettings
{
    /// <summary>How many critical sections to attempt.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>How long one acquisition may wait.</summary>
    public TimeSpan AcquireTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause between reading and writing the counter, inside the section.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromMilliseconds(2);
}
