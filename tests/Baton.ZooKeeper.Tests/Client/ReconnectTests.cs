using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

/// <summary>Connection drops on the shared server: the session, its ephemerals and its watches survive.</summary>
public sealed class ReconnectTests
{
    [Fact]
    public async Task ConnectionDropped_ChangesMadeMeanwhile_AreStillDeliveredToWatchers()
    {
        await using var client = await ZooKeeperTestServer.ConnectAsync();
        await using var other = await ZooKeeperTestServer.ConnectAsync();
        var root = await ZooKeeperTestServer.NewPathAsync(client, "reconnect");
        await client.CreateAsync(root + "/data", default, CreateMode.Persistent, CancellationToken.None);
        var ephemeral = (await client.CreateAsync(root + "/eph", default, CreateMode.Ephemeral, CancellationToken.None)).Path;
        var dataChanged = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var created = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var children = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.GetDataAsync(root + "/data", e => dataChanged.TrySetResult(e), CancellationToken.None);
        await client.ExistsAsync(root + "/later", e => created.TrySetResult(e), CancellationToken.None);
        await client.GetChildrenAsync(root, e => children.TrySetResult(e), CancellationToken.None);
        var states = new SessionFaultTests.StateRecorder(client);
        var sessionId = client.SessionId;

        client.DropConnection();

        // Whether these land before or after the client re-registers its watches, none may be lost.
        await other.SetDataAsync(root + "/data", "x"u8.ToArray(), -1, CancellationToken.None);
        await other.CreateAsync(root + "/later", default, CreateMode.Persistent, CancellationToken.None);
        await states.WaitForAsync(ZooKeeperConnectionState.Connected, TimeSpan.FromSeconds(5));

        Assert.Equal(WatchedEventType.NodeDataChanged, (await dataChanged.Task.WaitAsync(TimeSpan.FromSeconds(5))).Type);
        Assert.Equal(WatchedEventType.NodeCreated, (await created.Task.WaitAsync(TimeSpan.FromSeconds(5))).Type);
        Assert.Equal(WatchedEventType.NodeChildrenChanged, (await children.Task.WaitAsync(TimeSpan.FromSeconds(5))).Type);
        Assert.Equal([ZooKeeperConnectionState.Suspended, ZooKeeperConnectionState.Connected], states.Seen);
        Assert.Equal(sessionId, client.SessionId);
        Assert.Equal(sessionId, (await other.ExistsAsync(ephemeral, null, CancellationToken.None))!.Value.EphemeralOwner);
    }

    [Fact]
    public async Task ConnectionDropped_RequestsInFlight_FailWithConnectionLossAndLaterOnesSucceed()
    {
        await using var client = await ZooKeeperTestServer.ConnectAsync();
        var root = await ZooKeeperTestServer.NewPathAsync(client, "inflight");
        var calls = Enumerable.Range(0, 200).Select(_ => client.CreateAsync(root + "/n-", default, CreateMode.PersistentSequential, CancellationToken.None)).ToList();
        client.DropConnection();
        var after = client.CreateAsync(root + "/after", default, CreateMode.Persistent, CancellationToken.None);

        var outcomes = await Task.WhenAll(calls.Select(async call =>
        {
            try
            {
                await call;
                return ZooKeeperErrorCode.Ok;
            }
            catch (ZooKeeperException exception)
            {
                return exception.Code;
            }
        }));
        Assert.All(outcomes, code => Assert.Contains(code, new[] { ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.ConnectionLoss }));
        Assert.Equal("/after", (await after.WaitAsync(TimeSpan.FromSeconds(5))).Path[root.Length..]);

        // A lost reply does not mean a lost create: the server may have applied more than the client saw succeed.
        var applied = (await client.GetChildrenAsync(root, null, CancellationToken.None)).Children.Count(c => c.StartsWith("n-", StringComparison.Ordinal));
        Assert.InRange(applied, outcomes.Count(c => c == ZooKeeperErrorCode.Ok), 200);
    }
}
