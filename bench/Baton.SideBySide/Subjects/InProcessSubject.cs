using Baton.SideBySide.Measures;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// A subject this process drives through <see cref="ILockClient"/>s; the three measures are the shared
/// ones in <see cref="Measures"/>, so a new in-process peer only has to say how to open a client, acquire
/// and release.
/// </summary>
internal abstract class InProcessSubject : Subject
{
    protected InProcessSubject(string name)
        : base(name)
    {
    }

    public override string Kind => "in-process";

    /// <summary>Opens one client of the lock <paramref name="lockName"/>. Every worker gets its own, as separate processes would.</summary>
    public abstract ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken);

    public override async Task<SubjectResult> MeasureAsync(MeasureSettings settings, CancellationToken cancellationToken)
    {
        var result = new SubjectResult { Subject = Name, Kind = Kind };
        try
        {
            if (settings.Includes(Measure.Uncontended))
            {
                result.Uncontended = await MeasureUncontendedAsync(settings, cancellationToken);
            }

            if (settings.Includes(Measure.Contended))
            {
                result.Contended = await MeasureContendedAsync(settings, cancellationToken);
            }

            if (settings.Includes(Measure.Handoff))
            {
                result.Handoff = await MeasureHandoffAsync(settings, cancellationToken);
            }

            if (settings.Includes(Measure.Waiting))
            {
                result.Waiting = await MeasureWaitingAsync(settings, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result.Error = $"{e.GetType().Name}: {e.Message}";
        }

        return result;
    }

    protected virtual Task<UncontendedResult> MeasureUncontendedAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        UncontendedMeasure.RunAsync(this, settings, cancellationToken);

    /// <summary>
    /// Workers as tasks of this process, each with its own client. A subject whose clients must be
    /// separate processes to contend for real overrides this (<see cref="BatonSubject"/> does, with
    /// <see cref="ChildProcesses.CrossProcessMeasures"/>).
    /// </summary>
    protected virtual Task<ContendedResult> MeasureContendedAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        ContendedMeasure.RunAsync(this, settings, cancellationToken);

    /// <summary>
    /// Holder and waiter as two clients of this process. A subject whose locks are per process, or
    /// which is compared with process-based peers, overrides this to run holder and waiter in child
    /// processes (<see cref="BatonSubject"/> does): on Linux
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> reads CLOCK_MONOTONIC, which every process
    /// shares, so timestamps of two processes can be subtracted.
    /// </summary>
    protected virtual Task<HandoffResult> MeasureHandoffAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        HandoffMeasure.RunAsync(this, settings, cancellationToken);

    /// <summary>A waiter of this process blocked on a held lock; this whole process's CPU time meanwhile.</summary>
    protected virtual Task<WaitingResult> MeasureWaitingAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        WaitingMeasure.RunAsync(this, settings, cancellationToken);
}
