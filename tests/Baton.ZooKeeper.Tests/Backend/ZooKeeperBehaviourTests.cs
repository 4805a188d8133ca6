using System.Diagnostics;
using Baton.Conformance;
using Baton.Conformance.CrossProcess;
using Baton.ZooKeeper.Client;
using Xunit;

namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>What only the ZooKeeper backend has: its node layout and names, a stopped holder, one session for many locks, URLs.</summary>
public sealed class ZooKeeperBehaviourTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task OddNames_EachHasItsOwnNodeInsideThePrefix_AndNothingIsLeftAfterRelease()
    {
        var url = ZooKeeperUrls.NewUrl("names");
        var prefix = ZooKeeperUrls.PrefixOf(url);
        string[] names = ["../x", "a/b", ".holds", ".", "..", "x-__lock__", "%41", "A", "ünï", "zookeeper", new string('n', 1024)];
        await using var client = await RawClientAsync();
        var rootBefore = (await client.GetChildrenAsync("/", null, CancellationToken.None)).Children.ToHashSet();

        await using (var coordinator = await Coordinator.ConnectAsync(url))
        {
            var handles = new List<IAsyncDisposable>();
            foreach (var name in names)
            {
                handles.Add(await coordinator.CreateLock(name).AcquireAsync(Patience));
                handles.Add(await coordinator.CreateSemaphore(name, 1).AcquireAsync(Patience));
            }

            var lockNodes = (await client.GetChildrenAsync(prefix, null, CancellationToken.None)).Children.Where(n => n[0] != '.').ToList();
            var semaphoreNodes = (await client.GetChildrenAsync(prefix + "/.semaphores", null, CancellationToken.None)).Children.Where(n => n[0] != '.').ToList();
            Assert.Equal(names.Length, lockNodes.Count);
            Assert.Equal(2 * names.Length, semaphoreNodes.Count);
            Assert.Equal(names.Order(StringComparer.Ordinal), (await coordinator.ListLocksAsync()).Where(i => i.Kind == LockKind.Lock).Select(i => i.Name).Order(StringComparer.Ordinal));
            Assert.Equal(rootBefore, (await client.GetChildrenAsync("/", null, CancellationToken.None)).Children.ToHashSet());

            foreach (var handle in handles)
            {
                await handle.DisposeAsync();
            }

            foreach (var node in lockNodes)
            {
                Assert.Empty((await client.GetChildrenAsync(prefix + "/" + node, null, CancellationToken.None)).Children);
            }

            foreach (var node in (await client.GetChildrenAsync(prefix + "/.holds", null, CancellationToken.None)).Children)
            {
                Assert.Empty((await client.GetChildrenAsync(prefix + "/.holds/" + node, null, CancellationToken.None)).Children);
            }

            Assert.Empty(await coordinator.ListLocksAsync());
        }
    }

    [Fact]
    public async Task ManyLocks_OneCoordinator_AllInOneSession()
    {
        var url = ZooKeeperUrls.NewUrl("many");
        var prefix = ZooKeeperUrls.PrefixOf(url);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var handles = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => coordinator.CreateLock($"lock-{i}").AcquireAsync(Patience).AsTask()));

        await using var client = await RawClientAsync();
        var owners = new HashSet<long>();
        foreach (var name in (await client.GetChildrenAsync(prefix, null, CancellationToken.None)).Children.Where(n => n.StartsWith("lock-", StringComparison.Ordinal)).Take(50))
        {
            var contender = Assert.Single((await client.GetChildrenAsync($"{prefix}/{name}", null, CancellationToken.None)).Children);
            owners.Add((await client.ExistsAsync($"{prefix}/{name}/{contender}", null, CancellationToken.None))!.Value.EphemeralOwner);
        }

        Assert.Single(owners);
        Assert.Equal(1_000, (await coordinator.ListLocksAsync()).Count);
        await Task.WhenAll(handles.Select(h => h.DisposeAsync().AsTask()));
        Assert.Empty(await coordinator.ListLocksAsync());
    }

    [Fact]
    public async Task HolderStoppedPastItsSession_AnotherHolderGetsIn_TheStoppedOneLosesAndItsTokenIsRejected()
    {
        var url = ZooKeeperUrls.NewUrl("stopped").Replace($"ttl={ZooKeeperUrls.Ttl}", "ttl=2s", StringComparison.Ordinal);
        await using var holder = await HolderProcess.StartAsync(url);
        var stale = await holder.AcquireAsync("resource", HolderMode.Lock);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var resource = new FencedResource();
        resource.TryWrite(stale.FencingToken);

        ProcessSignals.Send(holder.Pid, "STOP");
        try
        {
            await using var fresh = await coordinator.CreateLock("resource").AcquireAsync(Patience);
            Assert.True(fresh.FencingToken > stale.FencingToken);
            Assert.Equal(TakeoverReason.LeaseExpired, fresh.Takeover?.Reason);
            resource.TryWrite(fresh.FencingToken);
        }
        finally
        {
            ProcessSignals.Send(holder.Pid, "CONT");
        }

        Assert.Equal(LossReason.LeaseExpired, await holder.WaitForLostAsync(stale.Tag, Patience));
        Assert.False(resource.TryWrite(stale.FencingToken), "The stopped holder's older token was accepted after a newer one.");
    }

    [Theory]
    [InlineData("zookeeper://", "names no ZooKeeper server")]
    [InlineData("zookeeper://127.0.0.1:99999", "invalid server")]
    [InlineData("zookeeper://127.0.0.1:2181?ttl=soon", "invalid ttl")]
    [InlineData("zookeeper://127.0.0.1:2181?ttl=100ms", "1s to 1h")]
    [InlineData("zookeeper://127.0.0.1:2181?color=blue", "unknown option 'color'")]
    [InlineData("zookeeper://127.0.0.1:2181?prefix=baton", "invalid prefix")]
    [InlineData("zookeeper://127.0.0.1:2181?prefix=/a//b", "invalid prefix")]
    [InlineData("zookeeper://127.0.0.1:2181/app/../x", "invalid chroot")]
    [InlineData("zookeeper://root:hunter2@127.0.0.1:2181?color=blue", "unknown option")]
    public async Task ConnectAsync_BadUrl_ThrowsArgumentExceptionSayingWhyWithoutThePassword(string url, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NobodyListens_ThrowsBackendUnavailableNamingItWithoutThePassword()
    {
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync(
            "zookeeper://root:hunter2@127.0.0.1:1", new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(3) }).AsTask());

        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"Took {started.Elapsed} to give up.");
    }

    [Fact]
    public async Task Chroot_RootsEveryNode()
    {
        var chroot = $"/baton-test/chroot-{Guid.NewGuid():N}";
        await using var client = await RawClientAsync();
        await client.EnsurePathAsync(chroot, CancellationToken.None);
        await using (var coordinator = await Coordinator.ConnectAsync($"{ZooKeeperUrls.Url.TrimEnd('/')}{chroot}?ttl={ZooKeeperUrls.Ttl}"))
        {
            await using var handle = await coordinator.CreateLock("job").AcquireAsync(Patience);
            Assert.Single((await client.GetChildrenAsync($"{chroot}/baton/job", null, CancellationToken.None)).Children);
        }
    }

    [Fact]
    public async Task DigestAuth_ThePrefixsOwnerLocks_OthersAreRefusedWithoutSeeingThePassword()
    {
        var prefix = $"/baton-test/auth-{Guid.NewGuid():N}";
        await using (var owner = await RawClientAsync([ZooKeeperAuth.Digest("alice", "s3cret")]))
        {
            await owner.EnsurePathAsync("/baton-test", CancellationToken.None);
            await owner.CreateAsync(prefix, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, CancellationToken.None, ZooKeeperAcl.CreatorAll);
        }

        var server = ZooKeeperUrls.Url.TrimEnd('/');
        await using (var alice = await Coordinator.ConnectAsync($"{server.Replace("zookeeper://", "zookeeper://alice:s3cret@", StringComparison.Ordinal)}?prefix={prefix}&ttl=4s"))
        {
            await using var handle = await alice.CreateLock("job").AcquireAsync(Patience);
            Assert.Single(await alice.ListLocksAsync());
        }

        foreach (var stranger in new[] { server, server.Replace("zookeeper://", "zookeeper://alice:wr0ng-one@", StringComparison.Ordinal) })
        {
            await using var coordinator = await Coordinator.ConnectAsync($"{stranger}?prefix={prefix}&ttl=4s");
            var refused = await Assert.ThrowsAsync<BackendUnavailableException>(() => coordinator.CreateLock("job").AcquireAsync(Patience).AsTask());
            Assert.Contains("user name and password", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("wr0ng-one", refused.ToString(), StringComparison.Ordinal);
        }
    }

    private static Task<ZooKeeperClient> RawClientAsync(IReadOnlyList<ZooKeeperAuth>? auth = null) =>
        ZooKeeperClient.ConnectAsync(Support.ZooKeeperTestServer.Options() with { Auth = auth ?? [] }, CancellationToken.None);
}
