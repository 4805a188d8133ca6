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
    /// Workers as tasks of this process, each with its own client. A backend whose clients must be
    /// separate processes to contend for real overrides this (start N copies of this harness in
    /// <c>--peer-mode</c> with <c>--measures contended</c> and add up their per-worker counts).
    /// </summary>
    protected virtual Task<ContendedResult> MeasureContendedAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        ContendedMeasure.RunAsync(this, settings, cancellationToken);

    /// <summary>
    /// Holder and waiter as two clients of this process. This is the extension point for cross-process
    /// handoff: a backend whose locks are per process (flock, fcntl) or which is compared with
    /// process-based peers overrides this to run the waiter in a child process. On Linux
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> reads CLOCK_MONOTONIC, which every process
    /// shares, so the child can print the timestamp at which its acquire returned and the harness
    /// subtracts its own release timestamp, exactly as <see cref="HandoffMeasure"/> does in process;
    /// report <see cref="HandoffResult.Placement"/> = "cross-process".
    /// </summary>
    protected virtual Task<HandoffResult> MeasureHandoffAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        HandoffMeasure.RunAsync(this, settings, cancellationToken);
}
