using Baton.Partitioning;
using Xunit;

namespace Baton.Tests.Partitioning;

public sealed class HashRingNotificationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void Changed_EachChange_RaisedOnceInOrderWithWhatChanged()
    {
        var ring = new HashRing();
        var seen = new List<RingChangedEventArgs>();
        ring.Changed += (sender, e) =>
        {
            Assert.Same(ring, sender);
            seen.Add(e);
        };

        ring.AddOrUpdate(new RingMember("a"));
        ring.AddOrUpdate(new RingMember("b"));
        ring.AddOrUpdate(new RingMember("b", 2));
        ring.Remove("a");
        ring.SetMembers([new RingMember("c"), new RingMember("b", 3)]);

        Assert.Equal([1L, 2, 3, 4, 5], seen.Select(e => e.Current.Version));
        Assert.Equal([["a"], ["b"], [], [], ["c"]], seen.Select(e => e.Joined.ToArray()));
        Assert.Equal([[], [], [], ["a"], []], seen.Select(e => e.Left.ToArray()));
        Assert.Equal([[], [], ["b"], [], ["b"]], seen.Select(e => e.Reweighted.ToArray()));
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.Same(seen[i - 1].Current, seen[i].Previous);
        }

        Assert.Same(ring.Current, seen[^1].Current);
    }

    [Fact]
    public void NoOpChanges_RaiseNothingAndKeepTheSnapshot()
    {
        var ring = new HashRing([new RingMember("a"), new RingMember("b", 2)]);
        var raised = 0;
        ring.Changed += (_, _) => raised++;
        var snapshot = ring.Current;

        ring.SetMembers([new RingMember("b", 2), new RingMember("a")]);
        ring.AddOrUpdate(new RingMember("a"));
        Assert.False(ring.Remove("absent"));

        Assert.Equal(0, raised);
        Assert.Same(snapshot, ring.Current);
    }

    [Fact]
    public async Task WatchAsync_TwoWatchers_SeeEveryChangeOnceInOrder_AndNotTheNoOps()
    {
        var ring = new HashRing();
        using var cancel = new CancellationTokenSource(Patience);
        await using var first = ring.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        await using var second = ring.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        var firstNext = first.MoveNextAsync();    // the watch starts with the enumeration
        var secondNext = second.MoveNextAsync();

        ring.AddOrUpdate(new RingMember("a"));
        ring.SetMembers([new RingMember("a")]);   // no-op
        ring.AddOrUpdate(new RingMember("b"));
        ring.Remove("a");

        foreach (var (watcher, next) in new[] { (first, firstNext), (second, secondNext) })
        {
            Assert.True(await next);
            Assert.Equal(["a"], watcher.Current.Joined);
            Assert.True(await watcher.MoveNextAsync());
            Assert.Equal(["b"], watcher.Current.Joined);
            Assert.True(await watcher.MoveNextAsync());
            Assert.Equal(["a"], watcher.Current.Left);
            Assert.Equal(3, watcher.Current.Current.Version);
        }
    }

    [Fact]
    public async Task WatchAsync_ConcurrentWriters_LosesNothingAndKeepsTheOrder()
    {
        var ring = new HashRing();
        using var cancel = new CancellationTokenSource(Patience);
        await using var watcher = ring.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        var next = watcher.MoveNextAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                ring.AddOrUpdate(new RingMember($"w{w}-{i}"));
            }
        })));

        var versions = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            Assert.True(await next);
            versions.Add(watcher.Current.Current.Version);
            next = i < 199 ? watcher.MoveNextAsync() : default;
        }

        Assert.Equal(Enumerable.Range(1, 200).Select(v => (long)v), versions);
        Assert.Equal(200, ring.Current.Members.Count);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_ThrowsOperationCanceled()
    {
        var ring = new HashRing();
        using var cancel = new CancellationTokenSource();
        await using var watcher = ring.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        var next = watcher.MoveNextAsync();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
    }

    [Fact]
    public void Changed_HandlerThatChangesTheRing_IsRefused_AndTheFirstChangeStands()
    {
        var ring = new HashRing();
        ring.Changed += (_, _) => ring.AddOrUpdate(new RingMember("nested"));

        var error = Assert.Throws<InvalidOperationException>(() => ring.AddOrUpdate(new RingMember("a")));

        Assert.Contains("must not change the ring", error.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], ring.Current.Members.Select(m => m.Id));
    }
}
