using System.Text;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

/// <summary>The same nodes seen through kazoo (Python's client, an independent implementation of the protocol) and ours.</summary>
public sealed class KazooWireTests
{
    [Fact]
    public async Task Kazoo_NodesWrittenByEither_AreReadByTheOther()
    {
        await using var client = await ZooKeeperTestServer.ConnectAsync();
        var root = await ZooKeeperTestServer.NewPathAsync(client, "kazoo");
        var server = ZooKeeperTestServer.Servers[0];
        await client.CreateAsync(root + "/ours", Encoding.UTF8.GetBytes("from .NET é"), CreateMode.Persistent, CancellationToken.None);
        var created = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.GetChildrenAsync(root, e => created.TrySetResult(e), CancellationToken.None);

        var output = await Python.RunAsync($$"""
            from kazoo.client import KazooClient
            k = KazooClient(hosts="{{server.Host}}:{{server.Port}}", timeout=5)
            k.start(timeout=10)
            data, stat = k.get("{{root}}/ours")
            print(data.decode("utf-8"))
            print(stat.version)
            print(k.create("{{root}}/theirs-", "from kazoo".encode("utf-8"), sequence=True))
            k.stop()
            k.close()
            """);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("from .NET é", lines[0]);
        Assert.Equal("0", lines[1]);
        Assert.Matches($"^{root}/theirs-\\d{{10}}$", lines[2]);

        Assert.Equal(WatchedEventType.NodeChildrenChanged, (await created.Task.WaitAsync(TimeSpan.FromSeconds(5))).Type);
        Assert.Equal("from kazoo", Encoding.UTF8.GetString((await client.GetDataAsync(lines[2], null, CancellationToken.None)).Data));
    }
}
