using System.Threading.Channels;
using Baton.Backends;
using Xunit;

namespace Baton.Tests.Core;

/// <summary>
/// Watching an election or a group survives a backend that cannot be read for a while (a reconnect, a cluster's
/// leader election): the failed reads are retried until the caller cancels, and the watch goes on where it was.
/// </summary>
public sealed class ObserverRetryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WatchAsync_BackendUnavailableForAWhile_GoesOnAndReportsTheChangesAfterwards()
    {
        var scheme = $"flaky{Guid.NewGuid():N}"[..16];
        await using var memory = await Coordinator.ConnectAsync($"memory://observer-retry-{Guid.NewGuid():N}");
        var flaky = new FlakyBackend(memory);
        BackendRegistry.Register(new Provider(scheme, flaky));
        await using var coordinator = await Coordinator.ConnectAsync($"{scheme}://host", new CoordinatorOptions { WatchPollInterval = TimeSpan.FromMilliseconds(5) });
        var name = "group";
        using var stop = new CancellationTokenSource();
        var seen = Channel.CreateUnbounded<GroupChange>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in coordinator.CreateGroup(name).WatchAsync(stop.Token))
            {
                await seen.Writer.WriteAsync(change);
            }
        });

        var first = await memory.CreateGroup(name).JoinAsync("before");
        Assert.Equal("before", (await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience)).Member.Id);

        flaky.FailReads(3);
        await using var second = await memory.CreateGroup(name).JoinAsync("during");
        var change = await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        Assert.Equal((GroupChangeKind.Joined, "during"), (change.Kind, change.Member.Id));
        Assert.Equal(0, flaky.FailuresLeft);
        Assert.False(watching.IsCompleted);
        await first.LeaveAsync();
        Assert.Equal((GroupChangeKind.Left, "before"), ((await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience)) is var left ? (left.Kind, left.Member.Id) : default));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Patience));
    }

    /// <summary>Reads another coordinator's backend, failing a given number of reads as an unreachable backend would.</summary>
    private sealed class FlakyBackend(Coordinator inner) : CoordinationBackend
    {
        private int _failuresLeft;

        public int FailuresLeft => Volatile.Read(ref _failuresLeft);

        public void FailReads(int count) => Volatile.Write(ref _failuresLeft, count);

        public override async ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new BackendUnavailableException("flaky: the backend is reconnecting");
            }

            Volatile.Write(ref _failuresLeft, 0);
            return (await inner.ListLocksAsync(cancellationToken)).SingleOrDefault(l => l.Kind == kind && l.Name == name);
        }

        public override ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken) => inner.ListLocksAsync(cancellationToken);

        public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override ValueTask DisposeAsync() => default;
    }

    private sealed class Provider(string scheme, CoordinationBackend backend) : IBackendProvider
    {
        public IReadOnlyList<string> Schemes => [scheme];

        public ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken) => new(backend);
    }
}
