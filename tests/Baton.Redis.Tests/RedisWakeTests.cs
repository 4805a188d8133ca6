using System.Collections.Concurrent;
using StackExchange.Redis;
using Xunit;

namespace Baton.Redis.Tests;

/// <summary>
/// Waiting without polling, seen from the server: a release publishes exactly one wake message (to the one waiter it
/// grants), and waiters that wait send no commands at all between renewals.
/// </summary>
public sealed class RedisWakeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Release_ThreeExclusiveWaiters_PublishesExactlyOneGrant()
    {
        await using var server = await PrivateRedisServer.StartAsync();
        await using var admin = await server.AdminAsync();
        var messages = new ConcurrentQueue<string>();
        await admin.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("wake:w:*"), (_, message) => messages.Enqueue(message!));
        var url = $"{server.Url}?prefix=wake:";
        await using var holder = await Coordinator.ConnectAsync(url);
        var handle = await holder.CreateLock("one").AcquireAsync(Patience);
        var waiters = new List<Coordinator>();
        var waiting = new List<Task<LockHandle>>();
        for (var i = 0; i < 3; i++)
        {
            var waiter = await Coordinator.ConnectAsync(url);
            waiters.Add(waiter);
            waiting.Add(waiter.CreateLock("one").AcquireAsync(Patience).AsTask());
            await WaitForWaitersAsync(holder, "one", i + 1);
        }

        await handle.DisposeAsync();
        var first = await Task.WhenAny(waiting).WaitAsync(Patience);
        await Task.Delay(200);

        Assert.Equal(waiting[0], first);
        var message = Assert.Single(messages);
        Assert.StartsWith("g|", message, StringComparison.Ordinal);
        Assert.All(waiting.Skip(1), w => Assert.False(w.IsCompleted));

        await (await first).DisposeAsync();
        await (await waiting[1].WaitAsync(Patience)).DisposeAsync();
        await (await waiting[2].WaitAsync(Patience)).DisposeAsync();
        Assert.Equal(3, messages.Count);
        foreach (var waiter in waiters)
        {
            await waiter.DisposeAsync();
        }
    }

    [Fact]
    public async Task Waiters_BetweenRenewals_SendNoCommands()
    {
        await using var server = await PrivateRedisServer.StartAsync();
        await using var admin = await server.AdminAsync();
        var url = $"{server.Url}?prefix=quiet:&ttl=30s";
        await using var holder = await Coordinator.ConnectAsync(url);
        await using var handle = await holder.CreateLock("quiet").AcquireAsync(Patience);
        var waiters = new List<Coordinator>();
        var waiting = new List<Task<LockHandle?>>();
        using var stop = new CancellationTokenSource();
        for (var i = 0; i < 3; i++)
        {
            var waiter = await Coordinator.ConnectAsync(url);
            waiters.Add(waiter);
            waiting.Add(waiter.CreateLock("quiet").TryAcquireAsync(Timeout.InfiniteTimeSpan, stop.Token).AsTask());
        }

        await WaitForWaitersAsync(holder, "quiet", 3);
        var before = await ScriptCallsAsync(admin);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await ScriptCallsAsync(admin);

        Assert.Equal(before, after);
        await stop.CancelAsync();
        foreach (var task in waiting)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Patience));
        }

        foreach (var waiter in waiters)
        {
            await waiter.DisposeAsync();
        }
    }

    private static async Task<long> ScriptCallsAsync(ConnectionMultiplexer admin)
    {
        var info = await admin.GetServers()[0].InfoAsync("commandstats");
        var calls = 0L;
        foreach (var pair in info.SelectMany(g => g))
        {
            if (pair.Key is "cmdstat_eval" or "cmdstat_evalsha")
            {
                var field = pair.Value.Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
                calls += long.Parse(field["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    private static async Task WaitForWaitersAsync(Coordinator observer, string name, int count)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await observer.ListLocksAsync()).SingleOrDefault(l => l.Name == name)?.Waiters.Count != count)
        {
            Assert.True(waited.Elapsed < Patience, $"Timed out waiting for {count} waiter(s) on '{name}'.");
            await Task.Delay(10);
        }
    }
}
