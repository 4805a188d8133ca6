using System.Threading.Channels;
using Baton.Partitioning;
using Xunit;

namespace Baton.Conformance;

/// <summary>
/// The membership group's contract (DESIGN.md, "Group membership"): join with an id and capabilities, list, leave,
/// unique ids, a namespace apart from locks and semaphores, watching joins and leaves once each, and a hash ring
/// that follows the group. Crashed members are in <see cref="CrossProcess.CrossProcessConformanceTests"/>.
/// </summary>
public abstract class GroupConformanceTests : ConformanceTestBase
{
    /// <summary>How long a watch may take to notice a change: a poll interval and a read on backends that poll.</summary>
    protected virtual TimeSpan WatchSlack => TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task JoinAsync_MembersListIdCapabilitiesAndProcess()
    {
        var name = UniqueName("group");
        const string Capabilities = """{"zone":"eu-1","weight":2,"tags":["a","b"]}""";

        await using var membership = await Coordinator.CreateGroup(name).JoinAsync("node-1", Capabilities);

        Assert.Equal("node-1", membership.MemberId);
        Assert.Equal(name, membership.Group);
        var member = Assert.Single(await (await CreateCoordinatorAsync()).CreateGroup(name).GetMembersAsync());
        Assert.Equal("node-1", member.Id);
        Assert.Equal(Environment.ProcessId, member.Process.ProcessId);
        Assert.Equal(membership.Token, member.Token);
        Assert.InRange(member.JoinedAt, DateTimeOffset.UtcNow - Patience - ClockTolerance, DateTimeOffset.UtcNow + ClockTolerance);
        Assert.NotNull(member.Capabilities);
        using var parsed = System.Text.Json.JsonDocument.Parse(member.Capabilities);
        Assert.Equal("eu-1", parsed.RootElement.GetProperty("zone").GetString());
        Assert.Equal(2, parsed.RootElement.GetProperty("weight").GetInt32());
        Assert.Equal(2, parsed.RootElement.GetProperty("tags").GetArrayLength());
    }

    [Fact]
    public async Task JoinAsync_NoId_UsesTheCoordinatorsMemberId()
    {
        var name = UniqueName("group");
        var named = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "from-options" });

        await using var membership = await named.CreateGroup(name).JoinAsync();

        Assert.Equal("from-options", membership.MemberId);
        Assert.Equal("from-options", Assert.Single(await Coordinator.CreateGroup(name).GetMembersAsync()).Id);
    }

    [Fact]
    public async Task JoinAsync_Several_ListedInJoinOrder_LeaveRemovesOnlyThatMember()
    {
        var name = UniqueName("group");
        var other = await CreateCoordinatorAsync();
        var a = await Coordinator.CreateGroup(name).JoinAsync("a");
        var b = await other.CreateGroup(name).JoinAsync("b", """{"n":1}""");
        await using var c = await other.CreateGroup(name).JoinAsync("c");

        Assert.Equal(["a", "b", "c"], (await Coordinator.CreateGroup(name).GetMembersAsync()).Select(m => m.Id));

        await b.LeaveAsync();
        await b.LeaveAsync(); // Idempotent.
        Assert.True(b.HasLeft);
        Assert.Equal(["a", "c"], (await Coordinator.CreateGroup(name).GetMembersAsync()).Select(m => m.Id));
        await a.DisposeAsync();
        Assert.Equal(["c"], (await Coordinator.CreateGroup(name).GetMembersAsync()).Select(m => m.Id));
    }

    [Fact]
    public async Task JoinAsync_IdAlreadyAMember_RefusedNamingIt()
    {
        var name = UniqueName("group");
        var other = await CreateCoordinatorAsync();
        await using var first = await Coordinator.CreateGroup(name).JoinAsync("same");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => other.CreateGroup(name).JoinAsync("same").AsTask());

        Assert.Contains("'same'", error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Equal(first.Token, Assert.Single(await Coordinator.CreateGroup(name).GetMembersAsync()).Token);
    }

    [Fact]
    public async Task JoinAsync_IdAlreadyAMember_WithTimeout_JoinsOnceTheEarlierLeaves()
    {
        var name = UniqueName("group");
        var other = await CreateCoordinatorAsync();
        var first = await Coordinator.CreateGroup(name).JoinAsync("same");

        var second = other.CreateGroup(name).JoinAsync("same", timeout: Patience).AsTask();
        await AssertStillPendingAsync(second);
        await first.LeaveAsync();

        await using var joined = await WithinPatience(second);
        Assert.True(joined.Token > first.Token);
        Assert.Equal(joined.Token, Assert.Single(await Coordinator.CreateGroup(name).GetMembersAsync()).Token);
    }

    [Fact]
    public async Task JoinAsync_ConcurrentJoinsWithOneId_ExactlyOneStays()
    {
        var name = UniqueName("group");
        Coordinator[] joiners = [Coordinator, await CreateCoordinatorAsync(), await CreateCoordinatorAsync()];

        var attempts = joiners.Select(j => Task.Run(async () =>
        {
            try
            {
                return await j.CreateGroup(name).JoinAsync("contested");
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        })).ToArray();
        var results = await Task.WhenAll(attempts).WaitAsync(Patience);

        var stayed = Assert.Single(results, static r => r is not null);
        Assert.Equal(stayed!.Token, Assert.Single(await Coordinator.CreateGroup(name).GetMembersAsync()).Token);
    }

    [Fact]
    public async Task Group_IsApartFromTheLockAndTheSemaphoreOfTheSameName()
    {
        var name = UniqueName("shared-name");
        await using var membership = await Coordinator.CreateGroup(name).JoinAsync("m");
        var other = await CreateCoordinatorAsync();

        await using var exclusive = await other.CreateLock(name).TryAcquireAsync();
        await using var slot = await other.CreateSemaphore(name, 1).TryAcquireAsync();

        Assert.NotNull(exclusive);
        Assert.NotNull(slot);
        var listing = await Coordinator.ListLocksAsync();
        var group = Assert.Single(listing, l => l.Name == name && l.Kind == LockKind.Group);
        Assert.Equal(LockMode.Shared, Assert.Single(group.Holders).Mode);
        Assert.Single(listing, l => l.Name == name && l.Kind == LockKind.Lock);
        Assert.Single(listing, l => l.Name == name && l.Kind == LockKind.Semaphore);
        Assert.Equal("m", Assert.Single(await other.CreateGroup(name).GetMembersAsync()).Id);
    }

    [Fact]
    public async Task WatchAsync_CurrentMembersThenEveryJoinAndLeaveOnce()
    {
        var name = UniqueName("group");
        var other = await CreateCoordinatorAsync();
        var early = await other.CreateGroup(name).JoinAsync("early");
        using var stop = new CancellationTokenSource();
        var seen = Channel.CreateUnbounded<GroupChange>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in Coordinator.CreateGroup(name).WatchAsync(stop.Token))
            {
                await seen.Writer.WriteAsync(change);
            }
        });

        try
        {
            await ExpectAsync(seen, GroupChangeKind.Joined, "early");
            var late = await other.CreateGroup(name).JoinAsync("late", """{"x":true}""");
            var joined = await ExpectAsync(seen, GroupChangeKind.Joined, "late");
            Assert.Equal(late.Token, joined.Member.Token);
            Assert.Contains("\"x\"", joined.Member.Capabilities, StringComparison.Ordinal);
            await early.LeaveAsync();
            await ExpectAsync(seen, GroupChangeKind.Left, "early");
            await late.LeaveAsync();
            await ExpectAsync(seen, GroupChangeKind.Left, "late");

            var more = seen.Reader.WaitToReadAsync().AsTask();
            await Task.WhenAny(more, Task.Delay(Quiet + WatchSlack));
            Assert.False(seen.Reader.TryRead(out var extra), $"The watch reported a change twice or one that did not happen: {extra}.");
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task Membership_CoordinatorDisposed_IsLostAndTheMemberLeaves()
    {
        var name = UniqueName("group");
        var leaving = await CreateCoordinatorAsync();
        var membership = await leaving.CreateGroup(name).JoinAsync("leaving");
        await using var staying = await Coordinator.CreateGroup(name).JoinAsync("staying");

        await leaving.DisposeAsync();

        Assert.True(membership.LostToken.IsCancellationRequested);
        // A session backend's server ends the closed session a moment after the client closed it (PostgreSQL).
        await WaitForListingAsync(name, i => i?.Holders.Count == 1, "the disposed coordinator's member to leave", LockKind.Group);
        Assert.Equal(["staying"], (await Coordinator.CreateGroup(name).GetMembersAsync()).Select(m => m.Id));
    }

    [Fact]
    public async Task Membership_GroupBroken_LostTokenFires()
    {
        if (!SupportsBreak || !SignalsLossOnBreak)
        {
            return; // The backend cannot break a live holder (rule 13); the lock suites check that it says so.
        }

        var name = UniqueName("group");
        var membership = await Coordinator.CreateGroup(name).JoinAsync("broken");
        var lost = new TaskCompletionSource();
        using var registration = membership.LostToken.Register(lost.SetResult);

        Assert.Single(await (await CreateCoordinatorAsync()).BreakLockAsync(name, LockKind.Group));

        await WithinPatience(lost.Task);
        Assert.Equal(LossReason.Broken, membership.LossReason);
        await membership.LeaveAsync();
    }

    [Fact]
    public async Task FollowAsync_TheRingTracksTheMembersAndTheirWeights()
    {
        var name = UniqueName("group");
        var other = await CreateCoordinatorAsync();
        var ring = new HashRing();
        var changed = Channel.CreateUnbounded<int>();
        ring.Changed += (_, _) => changed.Writer.TryWrite(ring.Current.Members.Count);
        using var stop = new CancellationTokenSource();
        var following = Coordinator.CreateGroup(name).FollowAsync(ring, stop.Token);

        var a = await other.CreateGroup(name).JoinAsync("a", """{"weight":3}""");
        await using var b = await other.CreateGroup(name).JoinAsync("b");
        await WaitForRingAsync(changed, 2);
        Assert.Equal(3, ring.Current.Members.Single(m => m.Id == "a").Weight);
        Assert.Equal(1, ring.Current.Members.Single(m => m.Id == "b").Weight);

        await a.LeaveAsync();
        await WaitForRingAsync(changed, 1);
        Assert.Equal("b", ring.OwnerOf("any key"));

        await stop.CancelAsync();
        await following.WaitAsync(Patience);
    }

    [Fact]
    public async Task JoinAsync_BadArguments_ThrowSayingWhy()
    {
        var group = Coordinator.CreateGroup(UniqueName("group"));

        var badJson = await Assert.ThrowsAsync<ArgumentException>(() => group.JoinAsync("m", "{not json").AsTask());
        Assert.Equal("capabilities", badJson.ParamName);
        var tooLarge = await Assert.ThrowsAsync<ArgumentException>(() => group.JoinAsync("m", $"\"{new string('x', 2000)}\"").AsTask());
        Assert.Contains("1024", tooLarge.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => group.JoinAsync(string.Empty).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => group.JoinAsync("a\nb").AsTask());
        Assert.Throws<ArgumentException>(() => Coordinator.CreateGroup(string.Empty));
        Assert.Empty(await group.GetMembersAsync());
    }

    private async Task<GroupChange> ExpectAsync(Channel<GroupChange> seen, GroupChangeKind kind, string id)
    {
        var change = await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal((kind, id), (change.Kind, change.Member.Id));
        return change;
    }

    private async Task WaitForRingAsync(Channel<int> changed, int members)
    {
        while (await changed.Reader.ReadAsync().AsTask().WaitAsync(Patience) != members)
        {
        }
    }
}
