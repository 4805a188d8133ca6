using System.Text.Json;
using Baton.Conformance.CrossProcess;
using Baton.Dashboard.Feed;
using Baton.Dashboard.Tests.Support;
using Baton.Introspection;
using Xunit;

namespace Baton.Dashboard.Tests.Api;

/// <summary>api/events: the listing at once, then only changes; filtered by prefix; keep-alive comments.</summary>
public sealed class EventStreamTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TempLocks _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Events_AHolderTakesAndReleases_OneEventEach()
    {
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);
        await using var events = await EventStream.OpenAsync(dashboard.Http, "api/events");
        Assert.Equal("text/event-stream", events.Response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Names(await events.NextAsync(Patience)));
        await using var holder = await HolderProcess.StartAsync(_locks.Url);

        var grant = await holder.AcquireAsync("jobs/nightly", HolderMode.Lock);
        var held = await events.NextAsync(Patience);
        await grant.ReleaseAsync();
        var released = await events.NextAsync(Patience);

        Assert.Equal("locks", held.Event);
        Assert.Equal(["jobs/nightly"], Names(held));
        using (var document = JsonDocument.Parse(held.Data))
        {
            var holderEntry = document.RootElement.GetProperty("locks")[0].GetProperty("holders")[0];
            Assert.Equal(grant.FencingToken, holderEntry.GetProperty("fencingToken").GetInt64());
            Assert.Equal(holder.Pid, holderEntry.GetProperty("member").GetProperty("pid").GetInt32());
        }

        Assert.Empty(Names(released));
    }

    [Fact]
    public async Task Events_NothingChanges_NoEventAfterTheFirst()
    {
        await using var holder = await HolderProcess.StartAsync(_locks.Url);
        await holder.AcquireAsync("steady", HolderMode.Lock);
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url, new DashboardOptions { RefreshInterval = TimeSpan.FromMilliseconds(50) });
        await using var events = await EventStream.OpenAsync(dashboard.Http, "api/events");
        Assert.Equal(["steady"], Names(await events.NextAsync(Patience)));

        // Twenty reads of the backend, in which only the hold's duration grows: a duration is not a change.
        var next = await events.TryNextAsync(TimeSpan.FromSeconds(1));

        Assert.Null(next);
    }

    [Fact]
    public async Task Events_ChangeOutsideThePrefix_NoEvent()
    {
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);
        await using var events = await EventStream.OpenAsync(dashboard.Http, "api/events?prefix=mine%2F");
        Assert.Empty(Names(await events.NextAsync(Patience)));
        await using var holder = await HolderProcess.StartAsync(_locks.Url);

        await holder.AcquireAsync("theirs/x", HolderMode.Lock);
        await holder.AcquireAsync("mine/y", HolderMode.Lock);
        var next = await events.NextAsync(Patience);

        // The first change (theirs/x) was not sent: the next event already has mine/y, and only it.
        Assert.Equal(["mine/y"], Names(next));
    }

    [Fact]
    public async Task Events_Idle_KeepAliveComments()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://", new DashboardOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(100) });
        await using var events = await EventStream.OpenAsync(dashboard.Http, "api/events");
        _ = await events.NextAsync(Patience);

        var deadline = DateTime.UtcNow + Patience;
        while (events.Comments < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(events.Comments >= 2, $"{events.Comments} keep-alive comments");
    }

    [Fact]
    public async Task Events_TwoPages_OneSharedRead()
    {
        var counting = new CountingTime();
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url, new DashboardOptions { RefreshInterval = TimeSpan.FromMilliseconds(100), TimeProvider = counting });
        await using var first = await EventStream.OpenAsync(dashboard.Http, "api/events");
        await using var second = await EventStream.OpenAsync(dashboard.Http, "api/events");
        _ = await first.NextAsync(Patience);
        _ = await second.NextAsync(Patience);
        var before = counting.Reads;

        await Task.Delay(TimeSpan.FromSeconds(1));
        var reads = counting.Reads - before;

        // Ten intervals: about ten reads for both pages together, never one series per page (twenty).
        Assert.InRange(reads, 1, 14);
    }

    [Fact]
    public void Fingerprint_OnlyDurationsDiffer_Equal()
    {
        var member = new MemberEntry("h", 1, "p", null);
        var since = DateTimeOffset.UnixEpoch;
        LocksDocument At(double seconds) => new(1, "memory://", since.AddSeconds(seconds), [new LockEntry("a", "lock", 1, [new HolderEntry("exclusive", 3, since, seconds, member)], [new WaiterEntry("exclusive", since, seconds, member)])]);

        Assert.Equal(LockFeed.Fingerprint(At(1)), LockFeed.Fingerprint(At(6)));
        Assert.NotEqual(LockFeed.Fingerprint(At(1)), LockFeed.Fingerprint(At(1) with { Locks = [] }));
        var other = At(1);
        Assert.NotEqual(LockFeed.Fingerprint(At(1)), LockFeed.Fingerprint(other with { Locks = [other.Locks[0] with { Holders = [other.Locks[0].Holders[0] with { FencingToken = 4 }] }] }));
    }

    private static string[] Names(ServerEvent message)
    {
        Assert.Equal("locks", message.Event);
        using var document = JsonDocument.Parse(message.Data);
        return [.. document.RootElement.GetProperty("locks").EnumerateArray().Select(l => l.GetProperty("name").GetString()!)];
    }

    /// <summary>The system clock, counting how often a listing is stamped (once per backend read).</summary>
    private sealed class CountingTime : TimeProvider
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref _reads);
            return System.GetUtcNow();
        }
    }
}
