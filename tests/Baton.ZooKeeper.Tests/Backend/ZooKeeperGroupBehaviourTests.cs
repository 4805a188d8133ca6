using System.Diagnostics;
using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>
/// Groups on ZooKeeper: members are reader nodes under <c>P/.groups/NAME</c>, apart from the lock (<c>P/NAME</c>) and
/// the semaphore of the same name, listed with their capabilities, and watched with a child watch (no polling).
/// </summary>
public sealed class ZooKeeperGroupBehaviourTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>How long a watcher may take to see a change: a watch event is milliseconds; polling is switched off.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Group_SameNameAsALockAndASemaphore_TheyNeverMeet_NotEvenInKazoosLock()
    {
        var url = ZooKeeperUrls.NewUrl("group-apart");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var group = coordinator.CreateGroup("shared-name");
        await using var member = await group.JoinAsync("m1");

        var held = await coordinator.CreateLock("shared-name").TryAcquireAsync();
        Assert.NotNull(held);
        await using var slot = await coordinator.CreateSemaphore("shared-name", 1).TryAcquireAsync();
        Assert.NotNull(slot);

        var listing = (await coordinator.ListLocksAsync()).Where(i => i.Name == "shared-name").ToList();
        Assert.Equal([LockKind.Lock, LockKind.Semaphore, LockKind.Group], listing.Select(i => i.Kind).Order());
        var holder = Assert.Single(listing.Single(i => i.Kind == LockKind.Group).Holders);
        Assert.Equal(LockMode.Shared, holder.Mode);
        Assert.Equal("m1", holder.Member.CustomId);
        Assert.Equal("m1", Assert.Single(await group.GetMembersAsync()).Id);

        // kazoo's Lock on P/NAME sees only the lock's contenders: the group's members are elsewhere.
        await held.DisposeAsync();
        await using (var kazoo = await KazooProcess.StartAsync(ZooKeeperUrls.PrefixOf(url) + "/shared-name", "lock"))
        {
            await kazoo.WaitForLineAsync("locked");
            await kazoo.ReleaseAsync();
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
        var url = ZooKeeperUrls.NewUrl("group-caps");
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
        var url = ZooKeeperUrls.NewUrl("group-watch");
        await using var joiner = await Coordinator.ConnectAsync(url);
        await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });

        // Watched before anyone joined: the group's directory does not exist yet.
        using var stop = new CancellationTokenSource(Patience);
        await using var changes = watcher.CreateGroup("workers").WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var pending = changes.MoveNextAsync().AsTask();
        await using var first = await joiner.CreateGroup("workers").JoinAsync("first");
        Assert.True(await pending.WaitAsync(Patience));
        Assert.Equal((GroupChangeKind.Joined, "first"), (changes.Current.Kind, changes.Current.Member.Id));

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

        // The last member leaves (the server removes the empty directory), and a member joins again.
        await first.LeaveAsync();
        Assert.Equal((GroupChangeKind.Left, "first"), ((await NextAsync(changes)).Kind, changes.Current.Member.Id));
        await using var third = await joiner.CreateGroup("workers").JoinAsync("third");
        Assert.Equal((GroupChangeKind.Joined, "third"), ((await NextAsync(changes)).Kind, changes.Current.Member.Id));
    }

    [Fact]
    public async Task Group_MemberKilledWithAShortTtl_SeenLeavingWithinThatTtl()
    {
        // A 2 s session: the member is gone when the server ends it, at most 2 s after its last ping.
        var url = ZooKeeperUrls.NewUrl("group-crash").Replace($"ttl={ZooKeeperUrls.Ttl}", "ttl=2s", StringComparison.Ordinal);
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
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(5), $"The killed member was seen leaving {killedAt.Elapsed} after kill -9, with a 2 s session.");
    }

    [Fact]
    public async Task GetMembers_ReadsOnlyTheGroupsOwnNodes_NotALongerNamesNorTheLockOfTheName()
    {
        var url = ZooKeeperUrls.NewUrl("group-own");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        await using var member = await coordinator.CreateGroup("a").JoinAsync("in-a");
        await using var longer = await coordinator.CreateGroup("a/b").JoinAsync("in-a-b");
        await using var dotted = await coordinator.CreateGroup(".holds").JoinAsync("in-dot-holds");
        await using var lockOfIt = await coordinator.CreateLock("a").AcquireAsync(Patience);

        Assert.Equal(["in-a"], (await coordinator.CreateGroup("a").GetMembersAsync()).Select(m => m.Id));
        Assert.Equal(["in-a-b"], (await coordinator.CreateGroup("a/b").GetMembersAsync()).Select(m => m.Id));
        Assert.Equal(["in-dot-holds"], (await coordinator.CreateGroup(".holds").GetMembersAsync()).Select(m => m.Id));
        Assert.Equal(["in-a", "in-a-b", "in-dot-holds"], (await coordinator.ListLocksAsync()).Where(i => i.Kind == LockKind.Group).Select(i => i.Holders.Single().Member.CustomId).Order());
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
}
