using System.Threading.Channels;

namespace Baton.Hosting.Tests.Support;

/// <summary>What one host's <see cref="ProbeLeader"/> did, in order, and how many hosts' work ran at once.</summary>
internal sealed class LeaderProbe(WorkOverlap overlap)
{
    private readonly Channel<Leadership> _elected = Channel.CreateUnbounded<Leadership>();
    private readonly Channel<WorkEnd> _ended = Channel.CreateUnbounded<WorkEnd>();

    /// <summary>Rounds whose work throws instead of waiting for its token, counted down.</summary>
    public int FailuresToInject;

    /// <summary>Shared by every host of a test.</summary>
    public WorkOverlap Overlap { get; } = overlap;

    internal void Started(Leadership leadership) => _elected.Writer.TryWrite(leadership);

    internal void Ended(WorkEnd end) => _ended.Writer.TryWrite(end);

    /// <summary>The next leadership this host's work ran under.</summary>
    public async Task<Leadership> NextElectedAsync(CancellationToken cancellationToken = default) =>
        await _elected.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(TestHost.Patience, cancellationToken);

    /// <summary>The next end of this host's work.</summary>
    public async Task<WorkEnd> NextEndAsync() => await _ended.Reader.ReadAsync().AsTask().WaitAsync(TestHost.Patience);

    /// <summary>True when the work has started again since the last <see cref="NextElectedAsync"/> (no waiting).</summary>
    public bool TryTakeElected(out Leadership? leadership) => _elected.Reader.TryRead(out leadership);
}

/// <summary>How a round of the work ended.</summary>
/// <param name="Leadership">The leadership it ran under.</param>
/// <param name="TokenCancelled">Whether its token had fired.</param>
/// <param name="Threw">Whether it threw an exception of its own.</param>
internal sealed record WorkEnd(Leadership Leadership, bool TokenCancelled, bool Threw);

/// <summary>Counts the leader works running at once, across hosts, and remembers the most.</summary>
internal sealed class WorkOverlap
{
    private int _running;
    private int _most;

    /// <summary>The most works that ran at the same time.</summary>
    public int Most => Volatile.Read(ref _most);

    internal void Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int most;
        while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
        {
        }
    }

    internal void Leave() => Interlocked.Decrement(ref _running);
}

/// <summary>A leader service whose work reports to the host's <see cref="LeaderProbe"/> and runs until its token fires.</summary>
internal sealed class ProbeLeader(LeaderProbe probe) : LeaderService
{
    protected override async Task ExecuteAsLeaderAsync(Leadership leadership, CancellationToken stoppingOrLost)
    {
        probe.Overlap.Enter();
        var threw = false;
        try
        {
            probe.Started(leadership);
            if (Interlocked.Decrement(ref probe.FailuresToInject) >= 0)
            {
                threw = true;
                throw new InvalidOperationException("injected failure of the leader work");
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, stoppingOrLost);
        }
        finally
        {
            probe.Overlap.Leave();
            probe.Ended(new WorkEnd(leadership, stoppingOrLost.IsCancellationRequested, threw));
        }
    }
}
