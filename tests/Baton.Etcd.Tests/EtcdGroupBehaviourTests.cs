using System.Diagnostics;
using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.Etcd.Tests;

/// <summary>
/// Groups on etcd: members are shared holds in a namespace of their own (<c>&lt;prefix&gt;\0groups/&lt;name&gt;/</c>), listed
/// with their capabilities, and watched over the coordinator's watch stream (no polling).
/// </summary>
public sealed class EtcdGroupBehaviourTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>How long a watcher may take to see a change: a watch event is milliseconds; polling is switched off.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Group_SameNameAsALockAndASemaphore_TheyNeverMeet_NotEvenInEtcdctlLock()
    {
        var (url, prefix) = NewUrl("group-apart");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var group = coordinator.CreateGroup("shared-name");
        await using var member = await group.JoinAsync("m1");

        var held = await coordinator.CreateLock("shared-name").TryAcquireAsync();
        Assert.NotNull(held);
        var slot = await coordinator.CreateSemaphore("shared-name", 1).TryAcquireAsync();
        Assert.NotNull(slot);

        var listing = (await coordinator.ListLocksAsync()).Where(i => i.Name == "shared-name").ToList();
        Assert.Equal([LockKind.Lock, LockKind.Semaphore, LockKind.Group], listing.Select(i => i.Kind).Order());
        var groupInfo = listing.Single(i => i.Kind == LockKind.Group);
        var holder = Assert.Single(groupInfo.Holders);
        Assert.Equal(LockMode.Shared, holder.Mode);
        Assert.Equal("m1", holder.Member.CustomId);
        Assert.Equal("m1", Assert.Single(await group.GetMembersAsync()).Id);

        // etcdctl's mutex takes every key under <prefix><name>/ for a contender: the group's keys are not there.
        await held.DisposeAsync();
        await slot.DisposeAsync();
        await using (var etcdctl = Etcdctl.Start(EtcdTestServer.Endpoint, "lock", prefix + "shared-name", "--", "echo", "got it"))
        {
            await etcdctl.WaitForLineAsync("got it", Patience);
        }

        // Breaking the lock leaves the group alone; breaking the group ends the membership.
        await using var again = await coordinator.CreateLock("shared-name").AcquireAsync(Patience);
        Assert.Single(await coordinator.BreakLockAsync("shared-name", LockKind.Lock));
        Assert.False(member.IsLost);
        var broken = Assert.Single(await coordinator.BreakLockAsync("shared-name", LockKind.Group));
        Assert.Equal("m1", broken.Member.CustomId);
        await WaitAsync(member.LostToken);
        Assert.Equal(LossReason.Broken, member.LossReason);
        Assert.Empty(await group.GetMembersAsync());
    }

    [Fact]
    public async Task Group_Capabilities_RoundTripToAnotherCoordinatorAsWritten()
    {
        var url = NewUrl("group-caps").Url;
        const string Capabilities = """{"weight": 2.5, "zone":"eu-1", "tags":["ü","a/b"], "nested":{"x":null}}""";
        await using var joiner = await Coordinator.ConnectAsync(url);
        await using var reader = await Coordinator.ConnectAsync(url);
        await using var membership = await joiner.CreateGroup("workers").JoinAsync("worker-1", Capabilities);

        var member = Assert.Single(await reader.CreateGroup("workers").GetMembersAsync());
        Assert.Equal("worker-1", member.Id);
        Assert.Equal(Capabilities, member.Capabilities);
        Assert.Equal(Environment.ProcessId, member.Process.ProcessId);
        Assert.Null(member.Process.Capabilities);
        Assert.Equal(membership.Token, member.Token);

        var info = Assert.Single(await reader.ListLocksAsync(), i => i.Kind == LockKind.Group);
        Assert.Equal(Capabilities, Assert.Single(info.Holders).Member.Capabilities);
    }

    [Fact]
    public async Task Group_WatchInAnotherCoordinator_SeesJoinAndLeaveAtOnce_WithPollingOff()
    {
        var url = NewUrl("group-watch").Url;
        await using var joiner = await Coordinator.ConnectAsync(url);
        await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var first = await joiner.CreateGroup("workers").JoinAsync("first");

        using var stop = new CancellationTokenSource(Patience);
        await using var changes = watcher.CreateGroup("workers").WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var current = await NextAsync(changes);
        Assert.Equal((GroupChangeKind.Joined, "first"), (current.Kind, current.Member.Id));

        var joinedAt = Stopwatch.StartNew();
        var second = await joiner.CreateGroup("workers").JoinAsync("second", """{"weight":3}""");
        var joined = await NextAsync(changes);
        Assert.Equal((GroupChangeKind.Joined, "second", """{"weight":3}"""), (joined.Kind, joined.Member.Id, joined.Member.Capabilities));
        Assert.True(joinedAt.Elapsed < Prompt, $"The join was seen after {joinedAt.Elapsed}.");

        var leftAt = Stopwatch.StartNew();
        await second.LeaveAsync();
        var left = await NextAsync(changes);
        Assert.Equal((GroupChangeKind.Left, "second"), (left.Kind, left.Member.Id));
        Assert.True(leftAt.Elapsed < Prompt, $"The leave was seen after {leftAt.Elapsed}.");
    }

    [Fact]
    public async Task Group_MemberKilledWithAShortTtl_SeenLeavingWithinThatTtl()
    {
        // A 2 s lease (the shortest etcd URLs take): the member is gone when etcd ends it, at most 2 s after its last keep-alive.
        var url = EtcdTestServer.NewUrl("group-crash").Replace($"ttl={EtcdTestServer.Ttl}", "ttl=2s", StringComparison.Ordinal);
        await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var member = await HolderProcess.StartAsync(url, "doomed");
        await member.AcquireAsync("workers", HolderMode.Join("""{"weight":1}"""));
        using var stop = new CancellationTokenSource(Patience);
        await using var changes = watcher.CreateGroup("workers").WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.Equal((GroupChangeKind.Joined, "doomed", member.Pid), ((await NextAsync(changes)).Kind, changes.Current.Member.Id, changes.Current.Member.Process.ProcessId));

        await member.KillHardAsync();
        var killedAt = Stopwatch.StartNew();
        var left = await NextAsync(changes);

        Assert.Equal((GroupChangeKind.Left, "doomed"), (left.Kind, left.Member.Id));
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(5), $"The killed member was seen leaving {killedAt.Elapsed} after kill -9, with a 2 s lease.");
    }

    [Fact]
    public async Task GroupWatch_EtcdRestartedWithinTheLease_GoesOnAndSeesTheNextJoin()
    {
        await using var etcd = await PrivateEtcd.StartAsync();
        var url = etcd.Url("ttl=10s");
        await using var joiner = await Coordinator.ConnectAsync(url);
        await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var first = await joiner.CreateGroup("workers").JoinAsync("first");
        using var stop = new CancellationTokenSource(Patience);
        await using var changes = watcher.CreateGroup("workers").WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.Equal("first", (await NextAsync(changes)).Member.Id);

        // The broken stream wakes the watcher; its read waits for etcd to come back, finds nothing new, and it goes on.
        await etcd.KillAsync();
        await etcd.StartAgainAsync();

        await using var second = await joiner.CreateGroup("workers").JoinAsync("second");
        var joined = await NextAsync(changes);
        Assert.Equal((GroupChangeKind.Joined, "second"), (joined.Kind, joined.Member.Id));
        Assert.False(first.IsLost);
    }

    [Fact]
    public async Task GetMembers_ReadsOnlyTheGroupsOwnKeys_NotALongerNamesNorTheLockOfTheName()
    {
        var url = NewUrl("group-own").Url;
        await using var coordinator = await Coordinator.ConnectAsync(url);
        await using var member = await coordinator.CreateGroup("a").JoinAsync("in-a");
        await using var longer = await coordinator.CreateGroup("a/b").JoinAsync("in-a-b");
        await using var prefixOfIt = await coordinator.CreateGroup("a/").JoinAsync("in-a-slash");
        await using var lockOfIt = await coordinator.CreateLock("a").AcquireAsync(Patience);

        Assert.Equal(["in-a"], (await coordinator.CreateGroup("a").GetMembersAsync()).Select(m => m.Id));
        Assert.Equal(["in-a-b"], (await coordinator.CreateGroup("a/b").GetMembersAsync()).Select(m => m.Id));
        Assert.Equal(["in-a-slash"], (await coordinator.CreateGroup("a/").GetMembersAsync()).Select(m => m.Id));
    }

    private static async Task<GroupChange> NextAsync(IAsyncEnumerator<GroupChange> changes)
    {
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Patience));
        return changes.Current;
    }

    private static Task WaitAsync(CancellationToken lost)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lost.Register(() => fired.TrySetResult());
        return fired.Task.WaitAsync(Patience, CancellationToken.None);
    }

    private static (string Url, string Prefix) NewUrl(string purpose)
    {
        var prefix = $"baton-test/{purpose}-{Guid.NewGuid():N}/";
        return ($"{EtcdTestServer.Url}?prefix={prefix}&ttl={EtcdTestServer.Ttl}", prefix);
    }
}
