using System.Text;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

public sealed class NodeTests : IAsyncLifetime
{
    private ZooKeeperClient _client = null!;
    private string _root = null!;

    public async Task InitializeAsync()
    {
        _client = await ZooKeeperTestServer.ConnectAsync();
        _root = await ZooKeeperTestServer.NewPathAsync(_client, "nodes");
    }

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task Connect_NewSession_IsConnectedWithNegotiatedTimeout()
    {
        Assert.Equal(ZooKeeperConnectionState.Connected, _client.State);
        Assert.NotEqual(0, _client.SessionId);
        Assert.Equal(TimeSpan.FromSeconds(4), _client.SessionTimeout);
        Assert.False(_client.SessionLost.IsCancellationRequested);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task CreateGetSetDelete_WithVersions_BehaveAndFailWithTheRightCodes()
    {
        var path = _root + "/node";
        var created = await _client.CreateAsync(path, "one"u8.ToArray(), CreateMode.Persistent, CancellationToken.None);
        Assert.Equal(path, created.Path);
        Assert.Equal(0, created.Stat.Version);
        Assert.Equal(3, created.Stat.DataLength);

        var read = await _client.GetDataAsync(path, null, CancellationToken.None);
        Assert.Equal("one", Encoding.UTF8.GetString(read.Data));
        Assert.Equal(created.Stat, read.Stat);

        var exists = await _client.CreateAsync(path, default, CreateMode.Persistent, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NodeExists);
        Assert.Equal(path, exists.Path);
        Assert.Contains(path, exists.Message, StringComparison.Ordinal);
        Assert.Contains("NodeExists", exists.Message, StringComparison.Ordinal);

        var set = await _client.SetDataAsync(path, "two"u8.ToArray(), 0, CancellationToken.None);
        Assert.Equal(1, set.Version);
        await _client.SetDataAsync(path, "three"u8.ToArray(), 0, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.BadVersion);
        Assert.Equal("two", Encoding.UTF8.GetString((await _client.GetDataAsync(path, null, CancellationToken.None)).Data));

        await _client.CreateAsync(path + "/child", default, CreateMode.Persistent, CancellationToken.None);
        await _client.DeleteAsync(path, -1, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NotEmpty);
        await _client.DeleteAsync(path + "/child", -1, CancellationToken.None);
        await _client.DeleteAsync(path, 0, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.BadVersion);
        await _client.DeleteAsync(path, 1, CancellationToken.None);

        Assert.Null(await _client.ExistsAsync(path, null, CancellationToken.None));
        await _client.GetDataAsync(path, null, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoNode);
        await _client.DeleteAsync(path, -1, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoNode);
        await _client.SetDataAsync(path, default, -1, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoNode);
        await _client.CreateAsync(path + "/a/b", default, CreateMode.Persistent, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoNode);
    }

    [Fact]
    public async Task Create_Sequential_AppendsTenIncreasingDigits()
    {
        var names = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var mode = i % 2 == 0 ? CreateMode.EphemeralSequential : CreateMode.PersistentSequential;
            var created = await _client.CreateAsync(_root + "/item-", default, mode, CancellationToken.None);
            Assert.Matches(@"^item-\d{10}$", created.Path[(_root.Length + 1)..]);
            names.Add(created.Path);
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Count, names.Distinct().Count());
        var children = await _client.GetChildrenAsync(_root, null, CancellationToken.None);
        Assert.Equal(names.Select(name => name[(_root.Length + 1)..]).Order(), children.Children.Order());
        Assert.Equal(5, children.Stat.NumChildren);
    }

    [Fact]
    public async Task Create2_Stat_CzxidIncreasesAndEphemeralOwnerIsTheSession()
    {
        var first = await _client.CreateAsync(_root + "/a", default, CreateMode.Ephemeral, CancellationToken.None);
        var second = await _client.CreateAsync(_root + "/b", default, CreateMode.Persistent, CancellationToken.None);
        Assert.True(second.Stat.Czxid > first.Stat.Czxid);
        Assert.Equal(_client.SessionId, first.Stat.EphemeralOwner);
        Assert.Equal(0, second.Stat.EphemeralOwner);
        Assert.True(first.Stat.Ctime > DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Ephemeral_SessionClosed_IsGoneForAnotherClient()
    {
        var owner = await ZooKeeperTestServer.ConnectAsync();
        var path = (await owner.CreateAsync(_root + "/eph-", "x"u8.ToArray(), CreateMode.EphemeralSequential, CancellationToken.None)).Path;
        Assert.NotNull(await _client.ExistsAsync(path, null, CancellationToken.None));
        await _client.CreateAsync(path + "/child", default, CreateMode.Persistent, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoChildrenForEphemerals);

        var deleted = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.NotNull(await _client.ExistsAsync(path, e => deleted.TrySetResult(e), CancellationToken.None));
        await owner.DisposeAsync();

        // Closing the session deletes its ephemerals at once, not after the session timeout.
        var seen = await deleted.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(WatchedEventType.NodeDeleted, seen.Type);
        Assert.Null(await _client.ExistsAsync(path, null, CancellationToken.None));
        Assert.Equal(ZooKeeperConnectionState.Closed, owner.State);
        Assert.True(owner.SessionLost.IsCancellationRequested);
        await owner.ExistsAsync(path, null, CancellationToken.None).ThrowsAnyAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Container_Create_UsesCreateContainer()
    {
        var created = await _client.CreateAsync(_root + "/container", default, CreateMode.Container, CancellationToken.None);
        await _client.CreateAsync(created.Path + "/x", default, CreateMode.Ephemeral, CancellationToken.None);
        Assert.Equal(1, (await _client.ExistsAsync(created.Path, null, CancellationToken.None))!.Value.NumChildren);
    }

    [Fact]
    public async Task EnsurePath_MissingAncestors_CreatesAllAndIgnoresExisting()
    {
        var path = _root + "/x/y/z";
        await _client.EnsurePathAsync(path, CancellationToken.None);
        await _client.EnsurePathAsync(path, CancellationToken.None);
        Assert.NotNull(await _client.ExistsAsync(_root + "/x/y", null, CancellationToken.None));
        Assert.NotNull(await _client.ExistsAsync(path, null, CancellationToken.None));

        await _client.EnsurePathAsync(_root + "/e/f", CancellationToken.None, CreateMode.Ephemeral);
        Assert.Equal(_client.SessionId, (await _client.ExistsAsync(_root + "/e/f", null, CancellationToken.None))!.Value.EphemeralOwner);
        Assert.Equal(0, (await _client.ExistsAsync(_root + "/e", null, CancellationToken.None))!.Value.EphemeralOwner);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.EnsurePathAsync(_root + "/s", CancellationToken.None, CreateMode.EphemeralSequential));
    }

    [Fact]
    public async Task Sync_Path_Completes()
    {
        await _client.SyncAsync(_root, CancellationToken.None);
    }

    [Theory]
    [InlineData("")]
    [InlineData("relative")]
    [InlineData("/trailing/")]
    [InlineData("/a//b")]
    [InlineData("/a/./b")]
    [InlineData("/a/..")]
    [InlineData("/nul\0byte")]
    [InlineData("/control\u0001")]
    public async Task Paths_Invalid_ThrowArgumentExceptionBeforeSending(string path)
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => _client.GetDataAsync(path, null, CancellationToken.None));
        Assert.Contains("not a valid ZooKeeper path", exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.CreateAsync(path, default, CreateMode.Persistent, CancellationToken.None));
        Assert.Equal(ZooKeeperConnectionState.Connected, _client.State);
    }

    [Fact]
    public async Task Chroot_Paths_AreRelativeAndStripped()
    {
        var rooted = await ZooKeeperTestServer.ConnectAsync(chroot: _root + "/chroot");
        await using (rooted)
        {
            await rooted.EnsurePathAsync("/a", CancellationToken.None); // creates the chroot node itself too
            var created = await rooted.CreateAsync("/a/seq-", "v"u8.ToArray(), CreateMode.EphemeralSequential, CancellationToken.None);
            Assert.StartsWith("/a/seq-", created.Path, StringComparison.Ordinal);
            Assert.NotNull(await _client.ExistsAsync(_root + "/chroot" + created.Path, null, CancellationToken.None));
            Assert.Equal(["a"], (await rooted.GetChildrenAsync("/", null, CancellationToken.None)).Children);

            var changed = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            await rooted.GetDataAsync(created.Path, e => changed.TrySetResult(e), CancellationToken.None);
            await _client.SetDataAsync(_root + "/chroot" + created.Path, "w"u8.ToArray(), -1, CancellationToken.None);
            Assert.Equal(new WatchedEvent(WatchedEventType.NodeDataChanged, ZooKeeperConnectionState.Connected, created.Path), await changed.Task.WaitAsync(TimeSpan.FromSeconds(5)));

            var results = await rooted.MultiAsync([new ZooKeeperOp.Create("/m", default, CreateMode.Persistent)], CancellationToken.None);
            Assert.Equal("/m", results[0].CreatedPath);
        }
    }
}
