using Baton.Postgres.Tests.Support;
using Xunit;

namespace Baton.Postgres.Tests.Faults;

/// <summary>A server restart while locks are held, on a private server: lost fires, release does not throw, the coordinator works again.</summary>
public sealed class ServerRestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ServerRestart_WhileHeld_LostFiresReleaseIsQuietAndTheCoordinatorReconnects()
    {
        await using var server = await PrivateServer.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(server.Url);
        var exclusive = await coordinator.CreateLock("restart/lock").AcquireAsync(Patience);
        var reader = await coordinator.CreateReaderWriterLock("restart/rw").AcquireReadAsync(Patience);
        var slot = await coordinator.CreateSemaphore("restart/sem", 2).AcquireAsync(Patience);

        await server.RestartAsync();

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
        Assert.True(again.FencingToken > exclusive.FencingToken, $"Token {again.FencingToken} after the restart is not above {exclusive.FencingToken}.");
        Assert.Single(await coordinator.ListLocksAsync(), l => l.Name == "restart/lock");
    }
}
