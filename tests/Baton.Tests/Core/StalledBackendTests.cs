using Baton.Backends;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Baton.Tests.Core;

/// <summary>
/// A backend whose first round trip stalls must not make an acquisition outlast its timeout
/// (rules 6 and 11), and whatever the stalled start yields later must be undone.
/// </summary>
public sealed class StalledBackendTests
{
    [Fact]
    public async Task TryAcquireAsync_StartStallsPastTimeout_ReturnsNullAndReleasesTheLateGrant()
    {
        var clock = new FakeTimeProvider();
        var backend = await ConnectAsync(clock);
        await using var coordinator = backend.Coordinator;

        var attempt = coordinator.CreateLock("stalled").TryAcquireAsync(TimeSpan.FromSeconds(5)).AsTask();
        await backend.Stalled.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await attempt.WaitAsync(TimeSpan.FromSeconds(10)));

        var late = new RecordingGrant();
        backend.Stalled.Result.SetResult(AcquisitionStart.Granted(late));
        await late.Released.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AcquireAsync_StartStallsThenCancelled_ThrowsAndWithdrawsTheLateTicket()
    {
        var backend = await ConnectAsync(TimeProvider.System);
        await using var coordinator = backend.Coordinator;
        using var cancel = new CancellationTokenSource();

        var attempt = coordinator.CreateLock("stalled").AcquireAsync(cancellationToken: cancel.Token).AsTask();
        await backend.Stalled.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt.WaitAsync(TimeSpan.FromSeconds(10)));

        var ticket = new RecordingTicket();
        backend.Stalled.Result.SetResult(AcquisitionStart.Queued(ticket));
        await ticket.Withdrawn.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TryAcquireAsync_ZeroTimeout_WaitsForTheTryRoundTrip()
    {
        var backend = await ConnectAsync(TimeProvider.System);
        await using var coordinator = backend.Coordinator;

        var attempt = coordinator.CreateLock("stalled").TryAcquireAsync(TimeSpan.Zero).AsTask();
        await backend.Stalled.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(attempt.IsCompleted);

        var grant = new RecordingGrant();
        backend.Stalled.Result.SetResult(AcquisitionStart.Granted(grant));
        await using var handle = await attempt.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(handle);
        Assert.Equal(7, handle.FencingToken);
    }

    [Fact]
    public async Task TryAcquireAsync_WithdrawalStallsPastGrace_ReturnsNullAndReleasesTheGrantItRaced()
    {
        var clock = new GraceWatchingClock();
        var backend = await ConnectAsync(clock);
        await using var coordinator = backend.Coordinator;
        var ticket = new StalledWithdrawalTicket();
        backend.Stalled.Result.SetResult(AcquisitionStart.Queued(ticket));

        var attempt = coordinator.CreateLock("stalled").TryAcquireAsync(TimeSpan.FromSeconds(5)).AsTask();
        await backend.Stalled.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(5));
        await clock.GraceTimerCreated.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(attempt.IsCompleted);

        // The server does not answer the withdrawal: the caller hears at its timeout and the grace, not at the server's.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await attempt.WaitAsync(TimeSpan.FromSeconds(10)));

        // The answer, when it comes, says the grant had won: the grant nobody took is released.
        var late = new RecordingGrant();
        ticket.Grant(late);
        ticket.Withdrawal.SetResult(false);
        await late.Released.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<(Coordinator Coordinator, StalledBackend Stalled)> ConnectAsync(TimeProvider clock)
    {
        var scheme = $"stall{Guid.NewGuid():N}"[..16];
        var stalled = new StalledBackend();
        BackendRegistry.Register(new Provider(scheme, stalled));
        var coordinator = await Coordinator.ConnectAsync($"{scheme}://host", new CoordinatorOptions { TimeProvider = clock });
        return (coordinator, stalled);
    }

    private sealed class Provider(string scheme, StalledBackend backend) : IBackendProvider
    {
        public IReadOnlyList<string> Schemes => [scheme];

        public ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken) => new(backend);
    }

    private sealed class StalledBackend : CoordinationBackend
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<AcquisitionStart> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            return await Result.Task;
        }

        public override ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken) => new([]);

        public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken) => new([]);

        public override ValueTask DisposeAsync() => default;
    }

    private sealed class RecordingGrant() : LockGrant(fencingToken: 7, takeover: null)
    {
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override LockMode Mode => LockMode.Exclusive;

        public override ValueTask ReleaseAsync()
        {
            Released.TrySetResult();
            return default;
        }
    }

    /// <summary>A fake clock that says when the withdrawal's grace starts being timed.</summary>
    private sealed class GraceWatchingClock : FakeTimeProvider
    {
        public TaskCompletionSource GraceTimerCreated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime == Baton.Internal.Acquisition.WithdrawGrace)
            {
                GraceTimerCreated.TrySetResult();
            }

            return timer;
        }
    }

    /// <summary>A ticket whose withdrawal waits for the test to answer it.</summary>
    private sealed class StalledWithdrawalTicket : AcquisitionTicket
    {
        private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Withdrawal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<LockGrant> Granted => _granted.Task;

        public void Grant(LockGrant grant) => _granted.SetResult(grant);

        public override ValueTask<bool> WithdrawAsync()
        {
            return new(Withdrawal.Task);
        }
    }

    private sealed class RecordingTicket : AcquisitionTicket
    {
        private readonly TaskCompletionSource<LockGrant> _granted = new();

        public TaskCompletionSource Withdrawn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<LockGrant> Granted => _granted.Task;

        public override ValueTask<bool> WithdrawAsync()
        {
            _granted.TrySetCanceled();
            Withdrawn.TrySetResult();
            return new(true);
        }
    }
}
