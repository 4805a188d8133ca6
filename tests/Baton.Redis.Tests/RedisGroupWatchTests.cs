using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit;

namespace Baton.Redis.Tests;

/// <summary>
/// Groups on <c>redis://</c>: their own key namespace beside locks and semaphores of the same name, capabilities that
/// round-trip, and watches that wake on the group's notice channel (joins, leaves, breaks), on the lease deadline of a
/// member that stopped renewing, and when the server goes away. Watchers poll once an hour here, so whatever they see
/// within seconds came from the backend's own notice.
/// </summary>
public sealed class RedisGroupWatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly CoordinatorOptions NoPolling = new() { WatchPollInterval = TimeSpan.FromHours(1) };
    private readonly string _url = RedisTestServer.NewUrl("groups", ttl: "30s");
    private Coordinator _member = null!;
    private Coordinator _watcher = null!;

    public async Task InitializeAsync()
    {
        _member = await Coordinator.ConnectAsync(_url);
        _watcher = await Coordinator.ConnectAsync(_url, NoPolling);
    }

    public async Task DisposeAsync()
    {
        await _member.DisposeAsync();
        await _watcher.DisposeAsync();
    }

    [Fact]
    public async Task Group_LockAndSemaphoreOfTheSameName_AreKeptApart()
    {
        await using var held = await _member.CreateLock("same").AcquireAsync(Patience);
        await using var slot = await _member.CreateSemaphore("same", 2).AcquireAsync(Patience);
        await using var joined = await _member.CreateGroup("same").JoinAsync("m1");

        // The lock is taken, yet the group admits a second member, and the lock's holder is not a member.
        await using var second = await _watcher.CreateGroup("same").JoinAsync("m2");
        Assert.Null(await _watcher.CreateLock("same").TryAcquireAsync());
        Assert.Equal(["m1", "m2"], (await _watcher.CreateGroup("same").GetMembersAsync()).Select(static m => m.Id));

        var listed = (await _watcher.ListLocksAsync()).Where(static l => l.Name == "same").ToList();
        Assert.Equal([LockKind.Lock, LockKind.Semaphore, LockKind.Group], listed.Select(static l => l.Kind));
        var group = listed.Single(static l => l.Kind == LockKind.Group);
        Assert.Equal(1, group.MaxCount);
        Assert.All(group.Holders, static h => Assert.Equal(LockMode.Shared, h.Mode));
        Assert.Equal(["m1", "m2"], group.Holders.Select(static h => h.Member.CustomId));

        // Breaking the lock leaves the group alone, and the other way round.
        await _watcher.BreakLockAsync("same", LockKind.Lock);
        Assert.False(joined.IsLost);
        Assert.Equal(2, (await _watcher.BreakLockAsync("same", LockKind.Group)).Count);
        Assert.False(slot.IsLost);

        await using var admin = await ConnectionMultiplexer.ConnectAsync(new Uri(RedisTestServer.BaseUrl).Authority);
        var prefix = new Uri(_url).Query.Split('&')[0]["?prefix=".Length..];
        var keys = admin.GetServers()[0].Keys(pattern: prefix + "*").Select(static k => (string)k!).ToList();
        Assert.Contains(prefix + "{g:same}:f", keys);
        Assert.Contains(prefix + "{l:same}:f", keys);
        Assert.Contains(prefix + "{s:same}:h", keys);
    }

    [Theory]
    [InlineData("{\"weight\":3,\"zone\":\"eu-west\"}")]
    [InlineData("[1, 2.5e3, true, null, \"a|b\"]")]
    [InlineData("{ \"name\" : \"Zürich ✓ \\u00e9\", \"nested\": {\"deep\": [\"|\", \"}\"]} }")]
    [InlineData("\"just a string\"")]
    public async Task Join_Capabilities_RoundTripThroughMembersAndListing(string capabilities)
    {
        var name = "caps-" + Guid.NewGuid().ToString("N");
        await using var membership = await _member.CreateGroup(name).JoinAsync("worker-1", capabilities);

        var member = Assert.Single(await _watcher.CreateGroup(name).GetMembersAsync());
        Assert.Equal("worker-1", member.Id);
        Assert.Equal(capabilities, member.Capabilities);
        Assert.Equal(membership.Token, member.Token);
        Assert.Equal(Environment.ProcessId, member.Process.ProcessId);

        var holder = Assert.Single(Assert.Single(await _watcher.ListLocksAsync(), l => l.Name == name).Holders);
        Assert.Equal(capabilities, holder.Member.Capabilities);
        Assert.Equal("worker-1", holder.Member.CustomId);
    }

    [Fact]
    public async Task Watch_JoinAndLeaveInAnotherCoordinator_SeenByTheNotice()
    {
        await using var changes = ChangeReader.Start(_watcher.CreateGroup("watched"));

        var membership = await _member.CreateGroup("watched").JoinAsync("a", "{\"weight\":2}");
        var joined = await changes.NextAsync();
        Assert.Equal(GroupChangeKind.Joined, joined.Kind);
        Assert.Equal("a", joined.Member.Id);
        Assert.Equal("{\"weight\":2}", joined.Member.Capabilities);

        await membership.LeaveAsync();
        var left = await changes.NextAsync();
        Assert.Equal(GroupChangeKind.Left, left.Kind);
        Assert.Equal(membership.Token, left.Member.Token);
    }

    [Fact]
    public async Task Watch_NonAsciiPrefix_StillWokenByTheNotice()
    {
        // The scripts find a name's kind letter by the byte length of the prefix: a multi-byte prefix must not shift it.
        var url = $"{RedisTestServer.BaseUrl}?prefix=bt-gr%C3%BC%C3%9Fe-{Guid.NewGuid():N}:&ttl=30s";
        await using var member = await Coordinator.ConnectAsync(url);
        await using var watcher = await Coordinator.ConnectAsync(url, NoPolling);
        await using var changes = ChangeReader.Start(watcher.CreateGroup("grüße"));

        var membership = await member.CreateGroup("grüße").JoinAsync("ü");
        Assert.Equal((GroupChangeKind.Joined, "ü"), ((await changes.NextAsync()).Kind, (await member.CreateGroup("grüße").GetMembersAsync())[0].Id));
        await membership.LeaveAsync();
        Assert.Equal(GroupChangeKind.Left, (await changes.NextAsync()).Kind);
    }

    [Fact]
    public async Task Break_Group_EndsEveryMembership_AndTheWatcherSeesThemLeave()
    {
        var first = await _member.CreateGroup("broken").JoinAsync("a");
        var second = await _member.CreateGroup("broken").JoinAsync("b");
        await using var changes = ChangeReader.Start(_watcher.CreateGroup("broken"));
        Assert.Equal("a", (await changes.NextAsync()).Member.Id);
        Assert.Equal("b", (await changes.NextAsync()).Member.Id);

        var broken = await _watcher.BreakLockAsync("broken", LockKind.Group);

        Assert.Equal([first.Token, second.Token], broken.Select(static h => h.FencingToken));
        var left = new[] { await changes.NextAsync(), await changes.NextAsync() };
        Assert.All(left, static c => Assert.Equal(GroupChangeKind.Left, c.Kind));
        Assert.Equal(["a", "b"], left.Select(static c => c.Member.Id));
        await WaitAsync(first.LostToken);
        await WaitAsync(second.LostToken);
        Assert.Equal(LossReason.Broken, first.LossReason);
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Member_StopsRenewing_WatcherSeesItLeaveWithinTheLease()
    {
        // A member whose clock never moves never renews: its lease ends on the server after 1 s, and nothing else
        // touches the name, so only the watch's own wake at the lease deadline can find it.
        var url = RedisTestServer.NewUrl("group-expiry", ttl: "1s");
        await using var stalled = await Coordinator.ConnectAsync(url, new CoordinatorOptions { TimeProvider = new FakeTimeProvider(DateTimeOffset.UtcNow) });
        await using var watcher = await Coordinator.ConnectAsync(url, NoPolling);
        await using var changes = ChangeReader.Start(watcher.CreateGroup("stalled"));

        var joinedAt = Stopwatch.StartNew();
        var membership = await stalled.CreateGroup("stalled").JoinAsync("frozen");
        Assert.Equal(GroupChangeKind.Joined, (await changes.NextAsync()).Kind);
        var left = await changes.NextAsync();

        Assert.Equal(GroupChangeKind.Left, left.Kind);
        Assert.Equal(membership.Token, left.Member.Token);
        Assert.True(joinedAt.Elapsed < TimeSpan.FromSeconds(3.5), $"The stalled member was seen leaving {joinedAt.Elapsed} after it joined; its lease is 1 s.");
    }

    [Fact]
    public async Task Watch_ServerRestarted_GoesOnAndSeesTheMemberGone()
    {
        await using var server = await PrivateRedisServer.StartAsync();
        await using var watcher = await Coordinator.ConnectAsync($"{server.Url}?ttl=30s", NoPolling);
        await using var member = await watcher.CreateGroup("cut").JoinAsync("m");
        await using var changes = ChangeReader.Start(watcher.CreateGroup("cut"));
        Assert.Equal("m", (await changes.NextAsync()).Member.Id);
        var next = changes.NextAsync();

        await server.KillAsync();
        await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1)));
        Assert.False(next.IsCompleted, $"The watch ended ({next.Status}) when the server went away; it should read again until it answers.");
        await server.StartAgainAsync();

        // The restarted server has no data: the member is gone. The watch woke when the connection failed and has
        // been reading again since, so it sees that long before the member's 30 s lease would have woken it.
        var restarted = Stopwatch.StartNew();
        var left = await next;
        Assert.Equal((GroupChangeKind.Left, "m"), (left.Kind, left.Member.Id));
        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(10), $"The watch saw the member gone only {restarted.Elapsed} after the restart.");
    }

    private static Task WaitAsync(CancellationToken lostToken)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lostToken.Register(fired.SetResult);
        return fired.Task.WaitAsync(Patience, CancellationToken.None);
    }

    /// <summary>A group's watch read one change at a time, each within the patience; disposing stops it.</summary>
    private sealed class ChangeReader : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly IAsyncEnumerator<GroupChange> _changes;
        private Task<bool>? _pending;

        private ChangeReader(MemberGroup group) => _changes = group.WatchAsync(_stop.Token).GetAsyncEnumerator(_stop.Token);

        /// <summary>Starts watching (the first read is under way when this returns).</summary>
        public static ChangeReader Start(MemberGroup group)
        {
            var reader = new ChangeReader(group);
            reader._pending = reader._changes.MoveNextAsync().AsTask();
            return reader;
        }

        public async Task<GroupChange> NextAsync()
        {
            _pending ??= _changes.MoveNextAsync().AsTask();
            var more = await _pending.WaitAsync(Patience);
            _pending = null;
            Assert.True(more, "The watch ended.");
            return _changes.Current;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_pending is { } pending)
            {
                // The enumerator may only be disposed once its last step has ended (cancelled, or failed).
                await Task.WhenAny(pending, Task.Delay(Patience));
            }

            await _changes.DisposeAsync();
            _stop.Dispose();
        }
    }
}
