using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

public sealed class MultiTests : IAsyncLifetime
{
    private ZooKeeperClient _client = null!;
    private string _root = null!;

    public async Task InitializeAsync()
    {
        _client = await ZooKeeperTestServer.ConnectAsync();
        _root = await ZooKeeperTestServer.NewPathAsync(_client, "multi");
    }

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task Multi_AllSucceed_AppliesEveryOpAndReturnsResults()
    {
        await _client.CreateAsync(_root + "/set", default, CreateMode.Persistent, CancellationToken.None);
        await _client.CreateAsync(_root + "/gone", default, CreateMode.Persistent, CancellationToken.None);
        var results = await _client.MultiAsync(
            [
                new ZooKeeperOp.Check(_root, -1),
                new ZooKeeperOp.Create(_root + "/seq-", "a"u8.ToArray(), CreateMode.EphemeralSequential),
                new ZooKeeperOp.SetData(_root + "/set", "b"u8.ToArray(), 0),
                new ZooKeeperOp.Delete(_root + "/gone", 0),
            ],
            CancellationToken.None);

        Assert.Equal(4, results.Count);
        Assert.All(results, result => Assert.Equal(ZooKeeperErrorCode.Ok, result.Error));
        Assert.Matches($"^{_root}/seq-\\d{{10}}$", results[1].CreatedPath);
        // ZooKeeper 3.8 answers a create inside a multi with its path only (no stat), even for create2.
        var created = await _client.ExistsAsync(results[1].CreatedPath!, null, CancellationToken.None);
        Assert.Equal(_client.SessionId, created!.Value.EphemeralOwner);
        Assert.True(results[1].Stat is null || results[1].Stat == created);
        Assert.Equal(1, results[2].Stat!.Value.Version);
        Assert.Null(await _client.ExistsAsync(_root + "/gone", null, CancellationToken.None));
    }

    [Fact]
    public async Task Multi_FailingCheck_AbortsAllAndReportsEachOp()
    {
        var exception = await Assert.ThrowsAsync<ZooKeeperMultiException>(() => _client.MultiAsync(
            [
                new ZooKeeperOp.Create(_root + "/a", default, CreateMode.Persistent),
                new ZooKeeperOp.Check(_root, 42),
                new ZooKeeperOp.Create(_root + "/b", default, CreateMode.Persistent),
            ],
            CancellationToken.None));

        Assert.Equal(ZooKeeperErrorCode.BadVersion, exception.Code);
        Assert.Equal(_root, exception.Path);
        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.BadVersion, ZooKeeperErrorCode.RuntimeInconsistency], exception.Results.Select(r => r.Error));
        Assert.Null(await _client.ExistsAsync(_root + "/a", null, CancellationToken.None));
        Assert.Null(await _client.ExistsAsync(_root + "/b", null, CancellationToken.None));
    }

    [Fact]
    public async Task Multi_CreateExisting_FailsWithNodeExists()
    {
        await _client.CreateAsync(_root + "/x", default, CreateMode.Persistent, CancellationToken.None);
        var exception = await Assert.ThrowsAsync<ZooKeeperMultiException>(() => _client.MultiAsync(
            [new ZooKeeperOp.Delete(_root + "/x", -1), new ZooKeeperOp.Create(_root + "/x", default, CreateMode.Persistent), new ZooKeeperOp.Create(_root + "/x", default, CreateMode.Persistent)],
            CancellationToken.None));
        Assert.Equal(ZooKeeperErrorCode.NodeExists, exception.Code);
        Assert.NotNull(await _client.ExistsAsync(_root + "/x", null, CancellationToken.None));
    }

    [Fact]
    public async Task Multi_Empty_ReturnsNoResults()
    {
        Assert.Empty(await _client.MultiAsync([], CancellationToken.None));
    }
}
