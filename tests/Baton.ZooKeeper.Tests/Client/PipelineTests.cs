using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

public sealed class PipelineTests
{
    [Fact]
    public async Task Pipelining_ThousandConcurrentRequests_CompleteInIssueOrder()
    {
        await using var client = await ZooKeeperTestServer.ConnectAsync();
        var root = await ZooKeeperTestServer.NewPathAsync(client, "pipeline");
        var tasks = Enumerable.Range(0, 1000)
            .Select(_ => client.CreateAsync(root + "/n-", default, CreateMode.EphemeralSequential, CancellationToken.None))
            .ToList();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        // Sent in issue (xid) order, applied in that order, and each reply matched to its own request: the i-th call
        // got the i-th sequence number. (The public tasks themselves may complete in any order: their continuations run
        // on the thread pool.)
        var sequences = results.Select(r => long.Parse(r.Path[^10..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(1000, sequences.Distinct().Count());
        Assert.Equal(1000, (await client.GetChildrenAsync(root, null, CancellationToken.None)).Children.Count);
    }

    [Fact]
    public async Task LargeData_RoundTrips_AndOversizedRequestIsRefusedLocally()
    {
        await using var client = await ZooKeeperTestServer.ConnectAsync();
        var root = await ZooKeeperTestServer.NewPathAsync(client, "large");
        var data = new byte[900_000];
        Random.Shared.NextBytes(data);
        await client.CreateAsync(root + "/big", data, CreateMode.Persistent, CancellationToken.None);
        Assert.Equal(data, (await client.GetDataAsync(root + "/big", null, CancellationToken.None)).Data);

        var tooBig = await client.SetDataAsync(root + "/big", new byte[1_100_000], -1, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.MarshallingError);
        Assert.Contains("jute.maxbuffer", tooBig.Message, StringComparison.Ordinal);
        Assert.Equal(ZooKeeperConnectionState.Connected, client.State);
    }
}
