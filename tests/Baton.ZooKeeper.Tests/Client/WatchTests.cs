using System.Collections.Concurrent;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

public sealed class WatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private ZooKeeperClient _client = null!;
    private ZooKeeperClient _other = null!;
    private string _root = null!;

    public async Task InitializeAsync()
    {
        _client = await ZooKeeperTestServer.ConnectAsync();
        _other = await ZooKeeperTestServer.ConnectAsync();
        _root = await ZooKeeperTestServer.NewPathAsync(_client, "watches");
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _other.DisposeAsync();
    }

    [Fact]
    public async Task ExistsWatch_AbsentNode_FiresOnceOnCreation()
    {
        var path = _root + "/later";
        var events = new Recorder();
        Assert.Null(await _client.ExistsAsync(path, events.Watch, CancellationToken.None));
        await _other.CreateAsync(path, default, CreateMode.Persistent, CancellationToken.None);
        Assert.Equal(new WatchedEvent(WatchedEventType.NodeCreated, ZooKeeperConnectionState.Connected, path), await events.NextAsync());

        // One-time: later changes are not delivered to it.
        await _other.SetDataAsync(path, "x"u8.ToArray(), -1, CancellationToken.None);
        await _other.DeleteAsync(path, -1, CancellationToken.None);
        await events.AssertNoMoreAsync(_client);
    }

    [Fact]
    public async Task DataWatch_SetThenDelete_FiresDataChangedOnce()
    {
        var path = (await _client.CreateAsync(_root + "/d", default, CreateMode.Persistent, CancellationToken.None)).Path;
        var events = new Recorder();
        await _client.GetDataAsync(path, events.Watch, CancellationToken.None);
        await _client.ExistsAsync(path, events.Watch, CancellationToken.None); // same watcher, same kind: called once
        await _other.SetDataAsync(path, "x"u8.ToArray(), -1, CancellationToken.None);
        await _other.SetDataAsync(path, "y"u8.ToArray(), -1, CancellationToken.None);
        Assert.Equal(WatchedEventType.NodeDataChanged, (await events.NextAsync()).Type);
        await events.AssertNoMoreAsync(_client);
    }

    [Fact]
    public async Task DataWatch_Delete_FiresNodeDeleted()
    {
        var path = (await _client.CreateAsync(_root + "/d", default, CreateMode.Persistent, CancellationToken.None)).Path;
        var events = new Recorder();
        await _client.GetDataAsync(path, events.Watch, CancellationToken.None);
        await _other.DeleteAsync(path, -1, CancellationToken.None);
        Assert.Equal(WatchedEventType.NodeDeleted, (await events.NextAsync()).Type);
    }

    [Fact]
    public async Task ChildWatch_ChildCreated_FiresChildrenChangedOnlyForChildWatchers()
    {
        var data = new Recorder();
        var children = new Recorder();
        await _client.GetDataAsync(_root, data.Watch, CancellationToken.None);
        await _client.GetChildrenAsync(_root, children.Watch, CancellationToken.None);
        await _other.CreateAsync(_root + "/c", default, CreateMode.Ephemeral, CancellationToken.None);
        Assert.Equal(new WatchedEvent(WatchedEventType.NodeChildrenChanged, ZooKeeperConnectionState.Connected, _root), await children.NextAsync());
        await _other.CreateAsync(_root + "/c2", default, CreateMode.Ephemeral, CancellationToken.None);
        await children.AssertNoMoreAsync(_client);
        await data.AssertNoMoreAsync(_client);
    }

    [Fact]
    public async Task NodeDeleted_FiresDataAndChildWatchersOfThePath()
    {
        var path = (await _client.CreateAsync(_root + "/p", default, CreateMode.Persistent, CancellationToken.None)).Path;
        var data = new Recorder();
        var children = new Recorder();
        await _client.ExistsAsync(path, data.Watch, CancellationToken.None);
        await _client.GetChildrenAsync(path, children.Watch, CancellationToken.None);
        await _other.DeleteAsync(path, -1, CancellationToken.None);
        Assert.Equal(WatchedEventType.NodeDeleted, (await data.NextAsync()).Type);
        Assert.Equal(WatchedEventType.NodeDeleted, (await children.NextAsync()).Type);
    }

    [Fact]
    public async Task SessionEnd_Dispose_CallsEveryOutstandingWatcherOnceWithClosed()
    {
        var client = await ZooKeeperTestServer.ConnectAsync();
        var first = new Recorder();
        var second = new Recorder();
        await client.ExistsAsync(_root + "/missing", first.Watch, CancellationToken.None);
        await client.GetDataAsync(_root, first.Watch, CancellationToken.None);
        await client.GetChildrenAsync(_root, second.Watch, CancellationToken.None);
        await client.GetDataAsync(_root, second.Watch, CancellationToken.None);
        var states = new ConcurrentQueue<ZooKeeperConnectionState>();
        client.StateChanged += states.Enqueue;
        await client.DisposeAsync();

        var seen = new[] { await first.NextAsync(), await first.NextAsync(), await second.NextAsync() };
        Assert.All(seen, e => Assert.Equal((WatchedEventType.None, ZooKeeperConnectionState.Closed), (e.Type, e.State)));
        Assert.Equal(new[] { _root, _root + "/missing" }, seen.Take(2).Select(e => e.Path!).Order(StringComparer.Ordinal));
        Assert.Equal(_root, seen[2].Path);
        await second.AssertNoMoreAsync(null); // two kinds on one path: one call
        Assert.Equal([ZooKeeperConnectionState.Closed], states);
    }

    [Fact]
    public async Task Watcher_Throws_IsLoggedAndOthersStillFire()
    {
        var path = (await _client.CreateAsync(_root + "/t", default, CreateMode.Persistent, CancellationToken.None)).Path;
        var events = new Recorder();
        await _client.GetDataAsync(path, _ => throw new InvalidOperationException("a watcher's bug"), CancellationToken.None);
        await _client.ExistsAsync(path, events.Watch, CancellationToken.None);
        await _other.SetDataAsync(path, "x"u8.ToArray(), -1, CancellationToken.None);
        Assert.Equal(WatchedEventType.NodeDataChanged, (await events.NextAsync()).Type);
        Assert.Equal(ZooKeeperConnectionState.Connected, _client.State);
    }

    /// <summary>Collects one watcher's calls.</summary>
    internal sealed class Recorder
    {
        private readonly System.Threading.Channels.Channel<WatchedEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<WatchedEvent>();

        public void Watch(WatchedEvent watchedEvent) => _events.Writer.TryWrite(watchedEvent);

        public async Task<WatchedEvent> NextAsync() => await _events.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        /// <summary>Nothing more was delivered: a round trip after the changes lets any pending event arrive first.</summary>
        public async Task AssertNoMoreAsync(ZooKeeperClient? client)
        {
            if (client is not null)
            {
                await client.SyncAsync("/", CancellationToken.None);
                await client.ExistsAsync("/", null, CancellationToken.None);
            }

            await Task.Delay(100);
            Assert.False(_events.Reader.TryRead(out var extra), $"unexpected event {extra}");
        }
    }
}
