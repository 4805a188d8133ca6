using System.Diagnostics;
using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.Etcd.Tests;

/// <summary>
/// Baton's elections and <c>etcdctl elect</c> (etcd's <c>concurrency.Election</c>) on the same keys, both ways: an
/// election is the lock of its name, whose layout is etcd's, and etcdctl addresses it as <c>&lt;prefix&gt;&lt;name&gt;</c>.
/// </summary>
public sealed class EtcdctlElectTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EtcdctlLeads_BatonWaitsAndShowsItsProposal_ThenLeadsWhenEtcdctlStops()
    {
        var (url, prefix) = NewUrl("elect-a");
        await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = "baton-candidate" });
        var election = coordinator.CreateElection("primary");

        await using var etcdctl = Etcdctl.Start(EtcdTestServer.Endpoint, "elect", prefix + "primary", "etcdctl-proposal");
        var key = await etcdctl.ReadLineAsync(Patience);
        Assert.StartsWith(prefix + "primary/", key, StringComparison.Ordinal);
        Assert.Equal("etcdctl-proposal", await etcdctl.ReadLineAsync(Patience));

        var leader = await election.GetLeaderAsync();
        Assert.NotNull(leader);
        Assert.Equal("etcdctl-proposal", leader.Leader.CustomId);
        Assert.Equal("(unknown)", leader.Leader.Host);
        Assert.Equal($"etcd lease {key[(prefix + "primary/").Length..]}", leader.Leader.ProcessName);
        Assert.Null(await election.TryCampaignAsync());

        using var watching = new CancellationTokenSource(Patience);
        await using var watch = election.WatchLeaderAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal("etcdctl-proposal", watch.Current?.Leader.CustomId);

        var campaign = election.CampaignAsync(Patience).AsTask();
        Assert.False(campaign.IsCompleted, "Baton led while etcdctl did.");

        // SIGTERM: etcdctl resigns (deletes its key) before it exits.
        ProcessSignals.Send(etcdctl.Process.Id, "TERM");
        await using var leadership = await campaign;
        Assert.True(leadership.Term > leader.Term, $"Term {leadership.Term} after etcdctl's {leader.Term}.");
        Assert.Null(leadership.Takeover);

        // The watch shows the change: etcdctl gone (possibly seen alone first), then Baton.
        LeaderInfo? next;
        do
        {
            Assert.True(await watch.MoveNextAsync());
            next = watch.Current;
        }
        while (next is null);

        Assert.Equal("baton-candidate", next.Leader.CustomId);
        Assert.Equal(leadership.Term, next.Term);
    }

    [Fact]
    public async Task BatonLeads_EtcdctlElectWaitsUntilItResigns_AndEtcdctlObserveShowsBatonsValue()
    {
        var (url, prefix) = NewUrl("elect-b");
        await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = "baton-leader" });
        var election = coordinator.CreateElection("primary");
        var leadership = await election.CampaignAsync(Patience);

        await using var observer = Etcdctl.Start(EtcdTestServer.Endpoint, "elect", "-l", prefix + "primary");
        var observedKey = await observer.ReadLineAsync(Patience);
        var observedValue = await observer.ReadLineAsync(Patience);
        Assert.StartsWith(prefix + "primary/", observedKey, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"baton-leader\"", observedValue, StringComparison.Ordinal);
        Assert.Contains($"\"pid\":{Environment.ProcessId}", observedValue, StringComparison.Ordinal);

        await using var candidate = Etcdctl.Start(EtcdTestServer.Endpoint, "elect", prefix + "primary", "P2");
        var elected = candidate.ReadLineAsync(Patience);
        await WaitForAsync(async () => (await coordinator.ListLocksAsync()).SingleOrDefault(i => i.Name == "primary")?.Waiters.Count == 1);
        Assert.Equal("baton-leader", (await election.GetLeaderAsync())?.Leader.CustomId);
        Assert.False(elected.IsCompleted, "etcdctl led while Baton did.");

        await leadership.ResignAsync();
        var candidateKey = await elected;
        Assert.StartsWith(prefix + "primary/", candidateKey, StringComparison.Ordinal);
        Assert.Equal("P2", await candidate.ReadLineAsync(Patience));

        // etcdctl's observer follows the change too: the new leader's key and proposal.
        Assert.Equal(candidateKey, await observer.ReadLineAsync(Patience));
        Assert.Equal("P2", await observer.ReadLineAsync(Patience));
        var leader = await election.GetLeaderAsync();
        Assert.Equal("P2", leader?.Leader.CustomId);
        Assert.True(leader!.Term > leadership.Term);
    }

    [Fact]
    public async Task WatchLeader_EtcdRestarted_TheObserverGoesOnAndSeesTheLeaderGone()
    {
        await using var etcd = await PrivateEtcd.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(etcd.Url("ttl=3s"), new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var observer = await Coordinator.ConnectAsync(etcd.Url("ttl=30s"), new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        var leadership = await coordinator.CreateElection("primary").CampaignAsync(Patience);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var watch = observer.CreateElection("primary").WatchLeaderAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(leadership.Term, watch.Current?.Term);
        var next = watch.MoveNextAsync().AsTask();

        // The stream breaks and the reads after it fail while etcd is down: the observation goes on regardless. The
        // leader cannot renew its 3 s lease meanwhile, so it is told it lost the lead.
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var lostRegistration = leadership.LostToken.Register(() => lost.TrySetResult());
        await etcd.KillAsync();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(next.IsCompleted, $"The observation ended ({next.Status}) while etcd was down; it should read again until etcd answers.");
        await etcd.StartAgainAsync();

        // etcd restores the lease with a fresh TTL; once it runs out the key goes, and the observer sees nobody leading.
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Null(watch.Current);
    }

    private static (string Url, string Prefix) NewUrl(string purpose)
    {
        var prefix = $"baton-test/{purpose}-{Guid.NewGuid():N}/";
        return ($"{EtcdTestServer.Url}?prefix={prefix}&ttl={EtcdTestServer.Ttl}", prefix);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Patience, "The condition was never met.");

            // Polling another process's effect on the listing: there is no event of ours to await.
            await Task.Delay(10);
        }
    }
}
