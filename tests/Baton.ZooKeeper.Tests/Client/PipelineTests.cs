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
        var tasks = new List<Task<CreateResult>>();
        var outOfOrder = 0;
        for (var i = 0; i < 1000; i++)
        {
            var task = client.CreateAsync(root + "/n-", default, CreateMode.EphemeralSequential, CancellationToken.None);
            if (i > 0)
            {
                // Replies are matched in xid order: when one completes, every earlier request has completed already.
                var previous = tasks[i - 1];
                _ = task.ContinueWith(_ => { if (!previous.IsCompleted) { Interlocked.Increment(ref outOfOrder); } }, TaskScheduler.Default);
            }

            tasks.Add(task);
        }

        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        // The server applies one session's requests in order: the sequence numbers follow the issue order.
        var sequences = results.Select(r => long.Parse(r.Path[^10..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(1000, sequences.Distinct().Count());
        Assert.Equal(1000, (await client.GetChildrenAsync(root, null, CancellationToken.None)).Children.Count);
        Assert.Equal(0, Volatile.Read(ref outOfOrder));
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
