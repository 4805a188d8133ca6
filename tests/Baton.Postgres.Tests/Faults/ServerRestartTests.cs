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
}
