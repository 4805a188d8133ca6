using Baton.Postgres.Tests.Support;
using Xunit;

namespace Baton.Postgres.Tests.Faults;

/// <summary>A server restart (clean, or immediate: a crash) while locks are held, on a private server: lost fires, release does not throw, the coordinator works again with greater tokens.</summary>
public sealed class ServerRestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerRestart_WhileHeld_LostFiresReleaseIsQuietAndTheCoordinatorReconnects(bool crash)
    {
        await using var server = await PrivateServer.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(server.Url);
        var exclusive = await coordinator.CreateLock("restart/lock").AcquireAsync(Patience);
        var reader = await coordinator.CreateReaderWriterLock("restart/rw").AcquireReadAsync(Patience);
        var slot = await coordinator.CreateSemaphore("restart/sem", 2).AcquireAsync(Patience);

        // Tokens drawn after the holds, so the fencing sequence is ahead of anything flushed (a crash resets its unlogged state).
        long last = 0;
        for (var i = 0; i < 40; i++)
        {
            await using var drawn = await coordinator.CreateLock($"restart/draw/{i}").AcquireAsync(Patience);
            last = drawn.FencingToken;
        }

        await server.RestartAsync(crash);

        foreach (var handle in new LockHandleBase[] { exclusive, reader, slot })
        {
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (handle.LostToken.Register(() => lost.TrySetResult()))
            {
                await lost.Task.WaitAsync(Patience);
            }

            Assert.Equal(LossReason.ConnectionLost, handle.LossReason);
            await handle.DisposeAsync();
        }

        await using var again = await coordinator.CreateLock("restart/lock").AcquireAsync(Patience);
        Assert.True(again.FencingToken > last, $"Token {again.FencingToken} after the restart is not above {last}, the last one before it.");
        Assert.Single(await coordinator.ListLocksAsync(), l => l.Name == "restart/lock");
    }

    /// <summary>
    /// Checks an hour apart: only the read kept pending on an idle holding session can tell the holder. It must, while
    /// the server is still down, so that no server back within a check interval grants the lock to another first.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStopped_IdleHolderChecksAnHourApart_LostWhileTheServerIsDown(bool crash)
    {
        await using var server = await PrivateServer.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(server.Url + "?checkInterval=1h");
        var held = await coordinator.CreateLock("watched/lock").AcquireAsync(Patience);
        var reader = await coordinator.CreateReaderWriterLock("watched/rw").AcquireReadAsync(Patience);
        var lost = Task.WhenAll(new LockHandleBase[] { held, reader }.Select(LostAsync));

        await server.StopAsync(crash);
        await lost.WaitAsync(Patience);
        Assert.Equal(LossReason.ConnectionLost, held.LossReason);
        Assert.Equal(LossReason.ConnectionLost, reader.LossReason);

        await server.StartAgainAsync();
        await held.DisposeAsync();
        await reader.DisposeAsync();
        await using var again = await coordinator.CreateLock("watched/lock").AcquireAsync(Patience);
        Assert.True(again.FencingToken > held.FencingToken);
    }

    /// <summary>A watched holder that releases, takes again and holds on is not disturbed by its own watch.</summary>
    [Fact]
    public async Task IdleHolder_ReleasesAndTakesAgainAfterTheWatchStarted_NothingLost()
    {
        await using var server = await PrivateServer.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(server.Url + "?checkInterval=100ms");
        for (var round = 0; round < 20; round++)
        {
            await using var held = await coordinator.CreateLock($"watched/{round % 3}").AcquireAsync(Patience);
            await using var other = await coordinator.CreateLock($"watched/other/{round}").AcquireAsync(Patience);

            // A hold of several check intervals and watch delays (the work under the lock): checks, watches and
            // statements take turns on the sessions.
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            Assert.False(held.IsLost, $"round {round}: {held.LossReason}");
            Assert.False(other.IsLost, $"round {round}: {other.LossReason}");
        }

        Assert.Empty(await coordinator.ListLocksAsync());
    }

    private static Task LostAsync(LockHandleBase handle)
    {
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = handle.LostToken.Register(() => lost.TrySetResult());
        return lost.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
    }
}
