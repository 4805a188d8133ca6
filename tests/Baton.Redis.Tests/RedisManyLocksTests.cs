using System.Diagnostics;
using Xunit;

namespace Baton.Redis.Tests;

/// <summary>10,000 distinct locks held at once by one coordinator over its one connection, renewed by its one loop.</summary>
public sealed class RedisManyLocksTests
{
    private const int Count = 10_000;

    [Fact]
    public async Task TenThousandLocks_HeldAtOnceOverOneConnection_StayHeldPastTheirTtl()
    {
        await using var server = await PrivateRedisServer.StartAsync();
        await using var admin = await server.AdminAsync();
        var url = $"{server.Url}?prefix=many:&ttl=2s";
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;

        var handles = new LockHandle[Count];
        for (var start = 0; start < Count; start += 1_000)
        {
            await Task.WhenAll(Enumerable.Range(start, 1_000).Select(async i =>
                handles[i] = await coordinator.CreateLock($"lock-{i}").AcquireAsync(TimeSpan.FromSeconds(30))));
        }

        // Two lease lengths: only renewal keeps them all.
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.All(handles, h => Assert.False(h.IsLost, $"{h.Name} was lost: {h.LossReason}"));
        var clients = (await admin.GetServers()[0].ClientListAsync()).Count(c => c.Name == "baton");
        Assert.Equal(2, clients); // the interactive connection and its pub/sub connection
        Assert.True(Process.GetCurrentProcess().Threads.Count < threadsBefore + 50, "Holding locks must not cost threads.");
        await using (var other = await Coordinator.ConnectAsync(url))
        {
            Assert.Null(await other.CreateLock("lock-0").TryAcquireAsync());
            Assert.Null(await other.CreateLock($"lock-{Count - 1}").TryAcquireAsync());
            Assert.Equal(Count, (await other.ListLocksAsync()).Count);
        }

        await Task.WhenAll(handles.Select(h => h.DisposeAsync().AsTask()));
        Assert.Empty(await coordinator.ListLocksAsync());
    }
}
