using System.Diagnostics;
using Baton.Conformance;
using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.Etcd.Tests;

/// <summary>What only etcd has: etcdctl's own locks, lease loss, a stopped holder, one lease for many locks, URLs.</summary>
public sealed class EtcdBehaviourTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Interop_EtcdctlLock_WaitsForBatonsHolder_ThenRuns()
    {
        var (url, prefix) = NewUrl("interop-a");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var held = await coordinator.CreateLock("deploy").AcquireAsync(Patience);

        await using var etcdctl = Etcdctl.Start(EtcdTestServer.Endpoint, "lock", prefix + "deploy", "--", "echo", "got it");
        var waiting = await WaitForListingAsync(coordinator, "deploy", info => info?.Waiters.Count == 1);
        Assert.False(etcdctl.Process.HasExited, "etcdctl ran its command while Baton held the lock.");
        Assert.Equal(LockMode.Exclusive, waiting!.Waiters[0].Mode);

        await held.DisposeAsync();
        await etcdctl.WaitForLineAsync("got it", Patience);
    }

    [Fact]
    public async Task Interop_EtcdctlHolds_BatonIsExcludedSeesItAndGetsAGreaterTokenAfter()
    {
        var (url, prefix) = NewUrl("interop-b");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var distributedLock = coordinator.CreateLock("deploy");
        // etcdctl does not pass its stdin to the command, so the command holds until a FIFO is opened and closed.
        var release = Path.Combine(Path.GetTempPath(), $"baton-etcdctl-{Guid.NewGuid():N}");
        using (var mkfifo = Process.Start("mkfifo", release))
        {
            await mkfifo.WaitForExitAsync();
        }

        await using var etcdctl = Etcdctl.Start(EtcdTestServer.Endpoint, "lock", prefix + "deploy", "--", "sh", "-c", $"echo locked; cat '{release}' >/dev/null");
        await etcdctl.WaitForLineAsync("locked", Patience);

        Assert.Null(await distributedLock.TryAcquireAsync());
        var info = await WaitForListingAsync(coordinator, "deploy", i => i?.Holders.Count == 1);
        var foreign = Assert.Single(info!.Holders);
        Assert.StartsWith("etcd lease ", foreign.Member.ProcessName, StringComparison.Ordinal);

        var acquiring = distributedLock.AcquireAsync(Patience).AsTask();
        await File.WriteAllTextAsync(release, "done");
        File.Delete(release);
        await using var handle = await acquiring;
        Assert.True(handle.FencingToken > foreign.FencingToken, $"Token {handle.FencingToken} after etcdctl's {foreign.FencingToken}.");
    }

    [Fact]
    public async Task EtcdKilled_LostTokenFires_ReleaseDoesNotThrow_AndTheCoordinatorRecoversWhenItReturns()
    {
        await using var etcd = await PrivateEtcd.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync(etcd.Url("ttl=3s"));
        var handle = await coordinator.CreateLock("job").AcquireAsync(Patience);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handle.LostToken.Register(() => lost.TrySetResult());

        await etcd.KillAsync();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(LossReason.LeaseExpired, handle.LossReason);
        await handle.DisposeAsync();

        await etcd.StartAgainAsync();
        await using var again = await coordinator.CreateLock("job").AcquireAsync(Patience);
        Assert.True(again.FencingToken > handle.FencingToken);
        Assert.False(again.LostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task HolderStoppedPastItsLease_AnotherHolderGetsIn_TheStoppedOneLosesAndItsTokenIsRejected()
    {
        var (url, _) = NewUrl("stopped", ttl: "3s");
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
            resource.TryWrite(fresh.FencingToken);
        }
        finally
        {
            ProcessSignals.Send(holder.Pid, "CONT");
        }

        Assert.Equal(LossReason.LeaseExpired, await holder.WaitForLostAsync(stale.Tag, Patience));
        Assert.False(resource.TryWrite(stale.FencingToken), "The stopped holder's older token was accepted after a newer one.");
    }

    [Fact]
    public async Task ManyLocks_OneCoordinator_AllOnOneLease()
    {
        var (url, prefix) = NewUrl("many");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var handles = new List<LockHandle>();
        for (var i = 0; i < 1_000; i++)
        {
            handles.Add(await coordinator.CreateLock($"lock-{i}").AcquireAsync(Patience));
        }

        var client = new dotnet_etcd.EtcdClient($"http://{EtcdTestServer.Endpoint}");
        var keys = await client.GetRangeAsync(prefix);
        var contenders = keys.Kvs.Where(kv => kv.Lease != 0).ToList();
        Assert.Equal(1_000, contenders.Count);
        Assert.Single(contenders.Select(kv => kv.Lease).Distinct());
        Assert.Equal(1_000, (await coordinator.ListLocksAsync()).Count);

        foreach (var handle in handles)
        {
            await handle.DisposeAsync();
        }

        Assert.Empty((await client.GetRangeAsync(prefix)).Kvs);
    }

    [Fact]
    public async Task Auth_UserAndPassword_LockWorks_WrongPasswordIsRefusedWithoutShowingIt()
    {
        await using var etcd = await PrivateEtcd.StartAsync();
        Assert.Equal(0, (await Etcdctl.RunAsync(etcd.Endpoints, "user", "add", "root", "--new-user-password=s3cret-root")).ExitCode);
        Assert.Equal(0, (await Etcdctl.RunAsync(etcd.Endpoints, "auth", "enable")).ExitCode);

        await using (var coordinator = await Coordinator.ConnectAsync($"etcd://root:s3cret-root@{etcd.Endpoints}?ttl=3s"))
        {
            await using var handle = await coordinator.CreateLock("job").AcquireAsync(Patience);
            Assert.Single(await coordinator.ListLocksAsync());
        }

        var refused = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync($"etcd://root:wrong-one@{etcd.Endpoints}").AsTask());
        Assert.Contains("user name or password", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-one", refused.ToString(), StringComparison.Ordinal);
        var anonymous = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync($"etcd://{etcd.Endpoints}").AsTask());
        Assert.Contains(etcd.Endpoints, anonymous.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_WithTheClustersCa_LockWorks_WithoutItTheCertificateIsRefused()
    {
        using var tls = await TlsFiles.CreateAsync();
        await using var etcd = await PrivateEtcd.StartAsync(tls: tls);

        await using (var coordinator = await Coordinator.ConnectAsync($"etcds://{etcd.Endpoints}?cacert={tls.Ca}&ttl=3s"))
        {
            await using var handle = await coordinator.CreateLock("job").AcquireAsync(Patience);
            Assert.True(handle.FencingToken > 0);
        }

        var untrusted = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync(
            $"etcds://{etcd.Endpoints}", new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }).AsTask());
        Assert.Contains(etcd.Endpoints, untrusted.Message, StringComparison.Ordinal);
        var plain = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync(
            $"etcd://{etcd.Endpoints}", new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }).AsTask());
        Assert.Contains(etcd.Endpoints, plain.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Coordinator.ConnectAsync($"etcd://{etcd.Endpoints}?cacert={tls.Ca}").AsTask());
    }

    [Theory]
    [InlineData("etcd://", "names no etcd endpoint")]
    [InlineData("etcd://127.0.0.1:99999", "invalid endpoint")]
    [InlineData("etcd://127.0.0.1:2379?ttl=soon", "invalid ttl")]
    [InlineData("etcd://127.0.0.1:2379?ttl=1s", "2s to 1h")]
    [InlineData("etcd://127.0.0.1:2379?color=blue", "unknown option 'color'")]
    [InlineData("etcd://127.0.0.1:2379/path", "take none")]
    [InlineData("etcd://root:hunter2@127.0.0.1:2379?color=blue", "unknown option")]
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
            "etcd://root:hunter2@127.0.0.1:1", new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(3) }).AsTask());

        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"Took {started.Elapsed} to give up.");
    }

    private static (string Url, string Prefix) NewUrl(string purpose, string ttl = EtcdTestServer.Ttl)
    {
        var prefix = $"baton-test/{purpose}-{Guid.NewGuid():N}/";
        return ($"{EtcdTestServer.Url}?prefix={prefix}&ttl={ttl}", prefix);
    }

    private static async Task<LockInfo?> WaitForListingAsync(Coordinator coordinator, string name, Func<LockInfo?, bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var info = (await coordinator.ListLocksAsync()).SingleOrDefault(l => l.Name == name);
            if (condition(info))
            {
                return info;
            }

            Assert.True(waited.Elapsed < Patience, $"The listing of '{name}' never met the condition.");

            // Polling an observable condition, not sleeping in place of synchronization.
            await Task.Delay(10);
        }
    }
}
