using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>
/// The backend under the faults of a real server: restarted within the session (nothing lost), paused past it (lost
/// tokens fire, a new session follows), and the leader of a three-server ensemble killed while clients contend.
/// </summary>
[Collection(PrivateServers.Name)]
public sealed class ZooKeeperFaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ServerRestartedWithinTheSession_HoldsSurvive_WaitersGoOn_NothingIsLost()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        var url = UrlOf(zookeeper, "ttl=10s");
        await using var holder = await Coordinator.ConnectAsync(url);
        await using var waiter = await Coordinator.ConnectAsync(url);
        var held = await holder.CreateLock("job").AcquireAsync(Patience);
        var waiting = waiter.CreateLock("job").AcquireAsync(Patience).AsTask();
        await WaitForWaitersAsync(holder, "job", 1);

        await zookeeper.KillAsync(0);
        await zookeeper.RestartAsync(0);

        Assert.False(held.LostToken.IsCancellationRequested, "The hold was reported lost across a restart within its session.");
        Assert.False(waiting.IsCompleted, "The waiter got the lock while it was held.");
        await held.DisposeAsync();
        await using var next = await waiting;
        Assert.True(next.FencingToken > held.FencingToken);
        Assert.Null(next.Takeover);
    }

    [Fact]
    public async Task ServerPausedPastTheSession_LostTokenFires_AndTheNextAcquisitionOpensANewSession()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(UrlOf(zookeeper, "ttl=2s"));
        var held = await coordinator.CreateLock("job").AcquireAsync(Patience);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.LostToken.Register(() => lost.TrySetResult());

        await zookeeper.PauseAsync(0);
        try
        {
            await lost.Task.WaitAsync(Patience);
            Assert.Equal(LossReason.LeaseExpired, held.LossReason);
        }
        finally
        {
            await zookeeper.ResumeAsync(0);
        }

        await held.DisposeAsync();
        await using var again = await coordinator.CreateLock("job").AcquireAsync(Patience);
        Assert.True(again.FencingToken > held.FencingToken);
        Assert.False(again.LostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task EnsembleLeaderKilledDuringContention_NeverTwoHolders_TokensIncrease_EveryClientGoesOn()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync(count: 3);
        // Each client lists the servers from another one first, so some are connected to the leader when it dies.
        var coordinators = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Coordinator.ConnectAsync(UrlOf(zookeeper, "ttl=10s", first: i)).AsTask()));
        var inside = 0;
        var overlaps = 0;
        var tokens = new List<long>();
        var acquired = new int[coordinators.Length];
        var failures = 0;
        using var stop = new CancellationTokenSource();

        async Task ContendAsync(int client)
        {
            var distributedLock = coordinators[client].CreateLock("counter");
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using var handle = await distributedLock.AcquireAsync(Patience);
                    if (Interlocked.Increment(ref inside) != 1)
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    lock (tokens)
                    {
                        tokens.Add(handle.FencingToken);
                    }

                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
                    acquired[client]++;
                }
                catch (BackendUnavailableException)
                {
                    // A request whose session could not be kept: allowed, as long as the client goes on afterwards.
                    Interlocked.Increment(ref failures);
                }
            }
        }

        var clients = Enumerable.Range(0, coordinators.Length).Select(i => Task.Run(() => ContendAsync(i))).ToArray();
        await WaitUntilAsync(() => acquired.Sum() >= 40);
        var leader = await FindLeaderAsync(zookeeper);
        await zookeeper.KillAsync(leader);
        var atKill = acquired.ToArray();
        await WaitUntilAsync(() => acquired.Select((n, i) => n - atKill[i]).All(n => n >= 5));
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(Patience);

        Assert.Equal(0, overlaps);
        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        Assert.True(failures <= 8, $"{failures} acquisitions failed across the leader's death.");
        foreach (var coordinator in coordinators)
        {
            await coordinator.DisposeAsync();
        }
    }

    [Fact]
    public async Task GroupWatch_ServerRestartedWithinTheSession_GoesOnAndSeesTheNextJoin()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        var url = UrlOf(zookeeper, "ttl=10s");
        await using var joiner = await Coordinator.ConnectAsync(url);
        await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var first = await joiner.CreateGroup("workers").JoinAsync("first");
        using var stop = new CancellationTokenSource(Patience);
        await using var changes = watcher.CreateGroup("workers").WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal("first", changes.Current.Member.Id);

        await zookeeper.KillAsync(0);
        await zookeeper.RestartAsync(0);

        await using var second = await joiner.CreateGroup("workers").JoinAsync("second");
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((GroupChangeKind.Joined, "second"), (changes.Current.Kind, changes.Current.Member.Id));
    }

    [Fact]
    public async Task GroupWatch_TheObserversSessionIsLost_ItWatchesAgainInTheNextSession_AndSeesWhatFollows()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        var url = UrlOf(zookeeper, "ttl=2s");
        await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });

        // A member in the observer's own session, whose lost token tells when that session is over.
        var own = await watcher.CreateGroup("workers").JoinAsync("own");
        using var stop = new CancellationTokenSource(Patience);
        await using var changes = watcher.CreateGroup("workers").WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal("own", changes.Current.Member.Id);

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        own.LostToken.Register(() => lost.TrySetResult());
        await zookeeper.PauseAsync(0);
        try
        {
            await lost.Task.WaitAsync(Patience);
        }
        finally
        {
            await zookeeper.ResumeAsync(0);
        }

        // The old session's node goes once the resumed server expires it; the new session's watch sees that.
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((GroupChangeKind.Left, "own"), (changes.Current.Kind, changes.Current.Member.Id));
        await using var joiner = await Coordinator.ConnectAsync(url);
        await using var second = await joiner.CreateGroup("workers").JoinAsync("second");
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((GroupChangeKind.Joined, "second"), (changes.Current.Kind, changes.Current.Member.Id));
        await own.DisposeAsync();
    }

    private static string UrlOf(PrivateZooKeeper zookeeper, string options, int first = 0)
    {
        var servers = zookeeper.Servers.Select(s => $"{s.Host}:{s.Port}").ToArray();
        return $"zookeeper://{string.Join(',', servers.Skip(first % servers.Length).Concat(servers.Take(first % servers.Length)))}?{options}";
    }

    private static async Task<int> FindLeaderAsync(PrivateZooKeeper zookeeper)
    {
        for (var i = 0; i < zookeeper.Count; i++)
        {
            if (await zookeeper.ModeAsync(i) == "leader")
            {
                return i;
            }
        }

        throw new InvalidOperationException("No server of the ensemble says it leads.");
    }

    private static async Task WaitForWaitersAsync(Coordinator coordinator, string name, int count) =>
        await KazooInteropTests.WaitForListingAsync(coordinator, name, LockKind.Lock, info => info?.Waiters.Count == count);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            // Polling counters the contending tasks update: there is no single event to await.
            await Task.Delay(20, timeout.Token);
        }
    }
}
