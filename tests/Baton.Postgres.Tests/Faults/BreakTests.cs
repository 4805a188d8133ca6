using System.Diagnostics;
using Baton.Conformance.CrossProcess;
using Baton.Postgres.Tests.Support;
using Xunit;

namespace Baton.Postgres.Tests.Faults;

/// <summary>
/// Breaking on PostgreSQL with real holder processes: a live holder's coordinator lets only the broken hold go; a
/// stopped one's session is terminated after the grace period, with every hold on it, and each of those holds is
/// reported lost (the broken one as Broken) once the process runs again.
/// </summary>
public sealed class BreakTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task BreakLockAsync_HolderAlive_LetsGoOnlyTheBrokenHold_OnTheSameSession()
    {
        await using var holder = await StartHolderAsync();
        var (broken, kept) = ($"break-live-{Guid.NewGuid():N}", $"kept-live-{Guid.NewGuid():N}");
        var brokenGrant = await holder.AcquireAsync(broken, HolderMode.Lock);
        var keptGrant = await holder.AcquireAsync(kept, HolderMode.Lock);
        var pid = await Sql.HolderBackendPidAsync(TestServer.Url, kept);
        Assert.Equal(pid, await Sql.HolderBackendPidAsync(TestServer.Url, broken));
        await using var breaker = await Coordinator.ConnectAsync(TestServer.Url);

        var holders = await breaker.BreakLockAsync(broken);

        Assert.Equal(brokenGrant.FencingToken, Assert.Single(holders).FencingToken);
        Assert.Equal(LossReason.Broken, await holder.WaitForLostAsync(brokenGrant.Tag, Patience));
        await using var next = await breaker.CreateLock(broken).AcquireAsync(Patience);
        Assert.Equal(TakeoverReason.Broken, next.Takeover?.Reason);
        Assert.Equal(brokenGrant.FencingToken, next.Takeover?.PreviousFencingToken);
        Assert.Null(await holder.GetLossAsync(keptGrant.Tag));
        Assert.Equal(pid, await Sql.HolderBackendPidAsync(TestServer.Url, kept));
        Assert.Null(await breaker.CreateLock(kept).TryAcquireAsync());
    }

    [Fact]
    public async Task BreakLockAsync_HolderStopped_TerminatesItsSession_EveryHoldOnItIsLost()
    {
        await using var holder = await StartHolderAsync();
        var (broken, alsoOnTheSession) = ($"break-stopped-{Guid.NewGuid():N}", $"collateral-{Guid.NewGuid():N}");
        var brokenGrant = await holder.AcquireAsync(broken, HolderMode.Lock);
        var otherGrant = await holder.AcquireAsync(alsoOnTheSession, HolderMode.Lock);
        Assert.Equal(await Sql.HolderBackendPidAsync(TestServer.Url, broken), await Sql.HolderBackendPidAsync(TestServer.Url, alsoOnTheSession));
        await using var breaker = await Coordinator.ConnectAsync(TestServer.Url);

        ProcessSignals.Send(holder.Pid, "STOP");
        try
        {
            var breaking = Stopwatch.StartNew();
            var holders = await breaker.BreakLockAsync(broken);

            // The stopped process never let go: the break waited its grace period, then ended the session.
            Assert.True(breaking.Elapsed >= TimeSpan.FromSeconds(2), $"The break returned after {breaking.Elapsed.TotalMilliseconds:F0} ms.");
            Assert.Equal(brokenGrant.FencingToken, Assert.Single(holders).FencingToken);
            await using var next = await breaker.CreateLock(broken).AcquireAsync(TimeSpan.Zero);
            Assert.Equal(TakeoverReason.Broken, next.Takeover?.Reason);
            await using var other = await breaker.CreateLock(alsoOnTheSession).AcquireAsync(TimeSpan.Zero);
            Assert.Equal(TakeoverReason.HolderCrashed, other.Takeover?.Reason);
            Assert.Equal(otherGrant.FencingToken, other.Takeover?.PreviousFencingToken);
        }
        finally
        {
            ProcessSignals.Send(holder.Pid, "CONT");
        }

        Assert.Equal(LossReason.Broken, await holder.WaitForLostAsync(brokenGrant.Tag, Patience));
        Assert.Equal(LossReason.ConnectionLost, await holder.WaitForLostAsync(otherGrant.Tag, Patience));

        // Its coordinator carries on with new sessions.
        var again = await holder.AcquireAsync($"after-{Guid.NewGuid():N}", HolderMode.Lock);
        Assert.Null(await holder.GetLossAsync(again.Tag));
    }

    [Fact]
    public async Task BreakLockAsync_OwnHold_IsLetGoAtOnce()
    {
        await using var coordinator = await Coordinator.ConnectAsync(TestServer.Url);
        var name = $"break-own-{Guid.NewGuid():N}";
        var handle = await coordinator.CreateLock(name).AcquireAsync(Patience);
        await using var kept = await coordinator.CreateLock($"{name}-kept").AcquireAsync(Patience);

        var breaking = Stopwatch.StartNew();
        var holders = await coordinator.BreakLockAsync(name);

        Assert.True(breaking.Elapsed < TimeSpan.FromSeconds(1), $"Breaking its own hold took {breaking.Elapsed.TotalMilliseconds:F0} ms.");
        Assert.Equal(handle.FencingToken, Assert.Single(holders).FencingToken);
        Assert.True(handle.IsLost);
        Assert.Equal(LossReason.Broken, handle.LossReason);
        Assert.False(kept.IsLost);
        await handle.DisposeAsync();

        // The next hold may land on the very session that held the broken one: it is still told.
        await using var next = await coordinator.CreateLock(name).AcquireAsync(TimeSpan.Zero);
        Assert.Equal(TakeoverReason.Broken, next.Takeover?.Reason);
        Assert.Equal(handle.FencingToken, next.Takeover?.PreviousFencingToken);
    }

    [Fact]
    public async Task BreakLockAsync_WaitingUpgradeGrantedAfterTheBreak_IsRefused()
    {
        // The upgrading reader's coordinator checks only hourly, so the other reader always lets go first and the
        // upgrade's wait is granted while its own hold is marked broken: it must not become a writer then.
        await using var upgrader = await Coordinator.ConnectAsync(TestServer.With("checkInterval=1h"));
        await using var other = await Coordinator.ConnectAsync(TestServer.Url);
        await using var breaker = await Coordinator.ConnectAsync(TestServer.Url);
        var name = $"break-upgrade-{Guid.NewGuid():N}";
        var upgrading = await upgrader.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        await using var reader = await other.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var upgrade = upgrading.UpgradeAsync(Patience).AsTask();
        await WaitForAsync(async () => (await breaker.ListLocksAsync()).SingleOrDefault(l => l.Name == name)?.Waiters.Count == 1);

        var breaking = breaker.BreakLockAsync(name).AsTask();

        await Assert.ThrowsAsync<InvalidOperationException>(() => upgrade.WaitAsync(Patience));
        Assert.Equal(LockMode.Shared, upgrading.Mode);
        Assert.Equal(2, (await breaking.WaitAsync(Patience)).Count);
        await using var writer = await breaker.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        Assert.Equal(TakeoverReason.Broken, writer.Takeover?.Reason);
        await upgrading.DisposeAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Patience, "The condition did not come true in time.");

            // Polling an observable condition, not sleeping in place of synchronization.
            await Task.Delay(5);
        }
    }

    private static Task<HolderProcess> StartHolderAsync()
    {
        var options = new HolderProcessOptions();
        options.ProviderAssemblies.Add(typeof(PostgresBackendProvider).Assembly.Location);
        return HolderProcess.StartAsync(TestServer.Url, options);
    }
}
