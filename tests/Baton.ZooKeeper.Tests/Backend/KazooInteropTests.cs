using Xunit;

namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>
/// Baton and kazoo on the same path exclude each other, in both directions, for locks, reader-writer locks and
/// semaphores: the node layout is kazoo's (<c>NodeLayout</c>), and each sees the other in the queue.
/// </summary>
public sealed class KazooInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KazooLock_WaitsForBatonsHolder_ThenGetsIt()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-a");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var held = await coordinator.CreateLock("deploy").AcquireAsync(Patience);

        await using var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/deploy", "lock");
        var waiting = await WaitForListingAsync(coordinator, "deploy", LockKind.Lock, info => info?.Waiters.Count == 1);
        Assert.Equal("kazoo-peer", waiting!.Waiters[0].Member.CustomId);
        Assert.False(kazoo.HasExited);

        await held.DisposeAsync();
        await kazoo.WaitForLineAsync("locked");
        await kazoo.ReleaseAsync();
    }

    [Fact]
    public async Task KazooHolds_BatonIsExcluded_SeesItAndGetsAGreaterTokenAfter()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-b");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        await using var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/deploy", "lock");
        await kazoo.WaitForLineAsync("locked");

        var distributedLock = coordinator.CreateLock("deploy");
        Assert.Null(await distributedLock.TryAcquireAsync());
        var info = await WaitForListingAsync(coordinator, "deploy", LockKind.Lock, i => i?.Holders.Count == 1);
        var foreign = Assert.Single(info!.Holders);
        Assert.Equal("kazoo-peer", foreign.Member.CustomId);

        var acquiring = distributedLock.AcquireAsync(Patience).AsTask();
        await kazoo.ReleaseAsync();
        await using var handle = await acquiring;
        Assert.True(handle.FencingToken > foreign.FencingToken, $"Token {handle.FencingToken} after kazoo's {foreign.FencingToken}.");
    }

    [Fact]
    public async Task KazooReadLock_SharesWithBatonsReaders_AndExcludesBatonsWriter()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-rw");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var rw = coordinator.CreateReaderWriterLock("table");
        var reader = await rw.AcquireReadAsync(Patience);

        await using var kazooReader = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/table", "read");
        await kazooReader.WaitForLineAsync("locked");
        Assert.Null(await rw.TryAcquireWriteAsync());
        await reader.DisposeAsync();
        Assert.Null(await rw.TryAcquireWriteAsync());

        var writing = rw.AcquireWriteAsync(Patience).AsTask();
        await kazooReader.ReleaseAsync();
        await using (await writing)
        {
            await using var kazooWriter = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/table", "write");
            await WaitForListingAsync(coordinator, "table", LockKind.Lock, i => i?.Waiters.Count == 1);
            Assert.False(kazooWriter.HasExited);
        }
    }

    [Fact]
    public async Task KazooSemaphore_SharesTheCountWithBaton()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-sem");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var semaphore = coordinator.CreateSemaphore("pool", 2);
        await using var first = await semaphore.AcquireAsync(Patience);

        await using var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/.semaphores/pool", "semaphore", 2);
        await kazoo.WaitForLineAsync("locked");

        Assert.Null(await semaphore.TryAcquireAsync());
        var info = await WaitForListingAsync(coordinator, "pool", LockKind.Semaphore, i => i?.Holders.Count == 2);
        Assert.Equal(2, info!.MaxCount);
        Assert.Contains(info.Holders, h => h.Member.CustomId == "kazoo-peer");

        var waiting = semaphore.AcquireAsync(Patience).AsTask();
        await kazoo.ReleaseAsync();
        await using var second = await waiting;
    }

    [Fact]
    public async Task KazooElection_SeesBatonsHolderAsTheLeaderToBeat_AndLeadsOnlyAfterIt()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-election");
        await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = "baton-leader" });
        var leadership = coordinator.CreateLock("leader");
        var held = await leadership.AcquireAsync(Patience);

        await using var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/leader", "election");
        Assert.Contains("baton-leader", kazoo.Contenders, StringComparison.Ordinal);
        await WaitForListingAsync(coordinator, "leader", LockKind.Lock, info => info?.Waiters.Count == 1);
        Assert.False(kazoo.HasExited);

        await held.DisposeAsync();
        await kazoo.WaitForLineAsync("locked");
        Assert.Null(await leadership.TryAcquireAsync());
        var next = leadership.AcquireAsync(Patience).AsTask();
        await kazoo.ReleaseAsync();
        await using var again = await next;
        Assert.True(again.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task KazooElectionLeads_BatonsCampaignWaits_ObserversShowKazoosLeader_ThenBatonLeads()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-elect-a");
        await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = "baton-candidate", WatchPollInterval = TimeSpan.FromHours(1) });
        var election = coordinator.CreateElection("primary");
        await using var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/primary", "election");
        await kazoo.WaitForLineAsync("locked");

        var leader = await election.GetLeaderAsync();
        Assert.NotNull(leader);
        Assert.Equal("kazoo-peer", leader.Leader.CustomId);
        Assert.Equal("(unknown)", leader.Leader.Host);
        Assert.Null(await election.TryCampaignAsync());

        using var stop = new CancellationTokenSource(Patience);
        await using var watch = election.WatchLeaderAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(("kazoo-peer", leader.Term), (watch.Current?.Leader.CustomId, watch.Current?.Term));

        var campaign = election.CampaignAsync(Patience).AsTask();
        await WaitForListingAsync(coordinator, "primary", LockKind.Lock, info => info?.Waiters.Count == 1);
        Assert.False(campaign.IsCompleted, "Baton led while kazoo did.");

        await kazoo.ReleaseAsync();
        await using var leadership = await campaign;
        Assert.True(leadership.Term > leader.Term, $"Term {leadership.Term} after kazoo's {leader.Term}.");
        LeaderInfo? next;
        do
        {
            Assert.True(await watch.MoveNextAsync());
            next = watch.Current;
        }
        while (next is null);

        Assert.Equal(("baton-candidate", leadership.Term), (next.Leader.CustomId, next.Term));
    }

    [Fact]
    public async Task BatonLeadsItsElection_KazoosElectionListsItAndWaits_ThenLeadsAndBatonSeesIt()
    {
        var url = ZooKeeperUrls.NewUrl("kazoo-elect-b");
        await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = "baton-leader" });
        var election = coordinator.CreateElection("primary");
        var leadership = await election.CampaignAsync(Patience);

        await using var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/primary", "election");
        Assert.Contains("baton-leader", kazoo.Contenders, StringComparison.Ordinal);
        await WaitForListingAsync(coordinator, "primary", LockKind.Lock, info => info?.Waiters.Count == 1);
        Assert.Equal("baton-leader", (await election.GetLeaderAsync())?.Leader.CustomId);
        Assert.False(kazoo.HasExited);

        await leadership.ResignAsync();
        await kazoo.WaitForLineAsync("locked");
        var leader = await election.GetLeaderAsync();
        Assert.Equal("kazoo-peer", leader?.Leader.CustomId);
        Assert.True(leader!.Term > leadership.Term);
        await kazoo.ReleaseAsync();
        Assert.Null(await election.GetLeaderAsync());
    }

    internal static async Task<LockInfo?> WaitForListingAsync(Coordinator coordinator, string name, LockKind kind, Func<LockInfo?, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var info = (await coordinator.ListLocksAsync(timeout.Token)).FirstOrDefault(i => i.Name == name && i.Kind == kind);
            if (condition(info))
            {
                return info;
            }

            // Polling the listing is the observation itself here: another process's queue has no event of ours to await.
            await Task.Delay(50, timeout.Token);
        }
    }
}
