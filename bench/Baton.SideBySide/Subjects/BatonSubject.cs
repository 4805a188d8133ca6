using Baton.SideBySide.ChildProcesses;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// Baton on any backend URL (<c>baton:memory://</c>, <c>baton:file:///run/lock/x</c>, <c>baton:redis://…</c>).
/// The uncontended client runs in this process; contending clients (contended workers, handoff holder
/// and waiter, the blocked waiter) run here or in child processes, by <see cref="BatonPlacement"/>.
/// </summary>
internal sealed class BatonSubject : InProcessSubject
{
    private readonly string _url;

    public BatonSubject(string url, BatonPlacement placement)
        : base("baton:" + url)
    {
        _url = url;
        CrossProcess = placement switch
        {
            BatonPlacement.InProcess => false,
            BatonPlacement.Processes => true,
            _ => !IsInProcessOnly(url),
        };
    }

    /// <summary>Whether contending clients run in child processes.</summary>
    public bool CrossProcess { get; }

    public override string Kind => CrossProcess ? "in-process + child processes" : base.Kind;

    public override async ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken)
    {
        var coordinator = await Coordinator.ConnectAsync(_url, cancellationToken: cancellationToken);
        return new Client(coordinator, coordinator.CreateLock(lockName));
    }

    protected override Task<ContendedResult> MeasureContendedAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.ContendedAsync("baton:" + _url, settings, cancellationToken) : base.MeasureContendedAsync(settings, cancellationToken);

    protected override Task<HandoffResult> MeasureHandoffAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.HandoffAsync("baton:" + _url, settings, cancellationToken) : base.MeasureHandoffAsync(settings, cancellationToken);

    protected override Task<WaitingResult> MeasureWaitingAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.WaitingAsync("baton:" + _url, settings, cancellationToken) : base.MeasureWaitingAsync(settings, cancellationToken);

    /// <summary><c>memory://</c> names live in one process: its clients cannot contend from other processes.</summary>
    private static bool IsInProcessOnly(string url) =>
        url.StartsWith("memory:", StringComparison.OrdinalIgnoreCase);

    private sealed class Client(Coordinator coordinator, DistributedLock distributedLock) : ILockClient
    {
        private LockHandle? _held;

        public ValueTask AcquireAsync()
        {
            // No async state machine when the grant is immediate, so the harness adds nothing Baton does not do.
            var acquiring = distributedLock.AcquireAsync();
            if (acquiring.IsCompletedSuccessfully)
            {
                _held = acquiring.Result;
                return default;
            }

            return AwaitAsync(acquiring);
        }

        public ValueTask ReleaseAsync()
        {
            var held = _held ?? throw new InvalidOperationException("Release without a hold.");
            _held = null;
            return held.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_held is { } held)
            {
                await held.DisposeAsync();
            }

            await coordinator.DisposeAsync();
        }

        private async ValueTask AwaitAsync(ValueTask<LockHandle> acquiring) => _held = await acquiring;
    }
}
