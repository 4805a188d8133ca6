using System.Collections.Concurrent;
using System.Diagnostics;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Baton.ZooKeeper.Tests.Client;

/// <summary>Faults on private servers: restart, pause past the session timeout, another client ending the session.</summary>
/// <remarks>Alone, not beside the other tests: JVMs starting on two busy cores could otherwise outlast a session.</remarks>
[Collection(PrivateServers.Name)]
public sealed class SessionFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ServerRestart_WithinSessionTimeout_SessionEphemeralsAndWatchesSurvive()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        await using var client = await ZooKeeperClient.ConnectAsync(zookeeper.Options(TimeSpan.FromSeconds(30)) with { Logger = new TestLogger(output), Auth = [ZooKeeperAuth.Digest("restart", "pw")] }, CancellationToken.None);
        var states = new StateRecorder(client);
        var sessionId = client.SessionId;
        var ephemeral = (await client.CreateAsync("/eph", default, CreateMode.Ephemeral, CancellationToken.None)).Path;
        await client.CreateAsync("/watched", default, CreateMode.Persistent, CancellationToken.None);
        await client.CreateAsync("/private", "mine"u8.ToArray(), CreateMode.Persistent, CancellationToken.None, ZooKeeperAcl.CreatorAll);
        var changed = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.GetDataAsync("/watched", e => changed.TrySetResult(e), CancellationToken.None);

        await zookeeper.KillAsync(0);
        output.WriteLine("killed");
        await states.WaitForAsync(ZooKeeperConnectionState.Suspended, TimeSpan.FromSeconds(5));
        var whileDown = client.ExistsAsync(ephemeral, null, CancellationToken.None); // waits for the reconnect
        await zookeeper.RestartAsync(0);
        output.WriteLine("restarted");
        await states.WaitForAsync(ZooKeeperConnectionState.Connected, TimeSpan.FromSeconds(30));

        Assert.Equal(sessionId, client.SessionId);
        Assert.NotNull(await whileDown.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("mine"u8.ToArray(), (await client.GetDataAsync("/private", null, CancellationToken.None)).Data); // credentials sent again
        Assert.False(client.SessionLost.IsCancellationRequested);

        await using var other = await ZooKeeperClient.ConnectAsync(zookeeper.Options(TimeSpan.FromSeconds(4)), CancellationToken.None);
        Assert.Equal(sessionId, (await other.ExistsAsync(ephemeral, null, CancellationToken.None))!.Value.EphemeralOwner);
        await other.SetDataAsync("/watched", "new"u8.ToArray(), -1, CancellationToken.None);
        Assert.Equal(WatchedEventType.NodeDataChanged, (await changed.Task.WaitAsync(TimeSpan.FromSeconds(5))).Type);
        Assert.Equal([ZooKeeperConnectionState.Suspended, ZooKeeperConnectionState.Connected], states.Seen);
    }

    [Fact]
    public async Task ServerPaused_LongerThanSessionTimeout_SessionLostFiresAndStateIsExpired()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        await using var client = await ZooKeeperClient.ConnectAsync(zookeeper.Options(TimeSpan.FromSeconds(2)), CancellationToken.None);
        var states = new StateRecorder(client);
        var watcherCalled = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.ExistsAsync("/nothing", e => watcherCalled.TrySetResult(e), CancellationToken.None);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLost.Register(() => lost.TrySetResult());
        await client.CreateAsync("/eph", default, CreateMode.Ephemeral, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        await zookeeper.PauseAsync(0);
        await states.WaitForAsync(ZooKeeperConnectionState.Suspended, TimeSpan.FromSeconds(5));
        var pending = client.GetDataAsync("/", null, CancellationToken.None);
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(6));
        var elapsed = clock.Elapsed;

        // Lost no later than the session timeout after the last answered ping (at most a third of it before the pause).
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(4));
        Assert.Equal(ZooKeeperConnectionState.Expired, client.State);
        await pending.ThrowsAsync(ZooKeeperErrorCode.SessionExpired);
        await client.GetDataAsync("/", null, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.SessionExpired);
        Assert.Equal(new WatchedEvent(WatchedEventType.None, ZooKeeperConnectionState.Expired, "/nothing"), await watcherCalled.Task.WaitAsync(TimeSpan.FromSeconds(2)));
        await zookeeper.ResumeAsync(0);
        await states.WaitForAsync(ZooKeeperConnectionState.Expired, TimeSpan.FromSeconds(2));
        Assert.Equal([ZooKeeperConnectionState.Suspended, ZooKeeperConnectionState.Expired], states.Seen);

        // Once the server runs again the lost session goes (closed by the client, or expired by the server).
        await using var other = await ZooKeeperClient.ConnectAsync(zookeeper.Options(TimeSpan.FromSeconds(4)), CancellationToken.None);
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (await other.ExistsAsync("/eph", _ => gone.TrySetResult(), CancellationToken.None) is not null)
        {
            await gone.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }

        Assert.Null(await other.ExistsAsync("/eph", null, CancellationToken.None));
    }

    [Fact]
    public async Task SessionClosedByAnotherClient_Reconnect_IsExpired()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync();
        await using var client = await ZooKeeperClient.ConnectAsync(zookeeper.Options(TimeSpan.FromSeconds(4)), CancellationToken.None);
        var states = new StateRecorder(client);
        var endpoint = zookeeper.Servers[0];

        // Another connection resumes our session with its id and password and closes it: the server drops our
        // connection, and our reconnect is told the session is gone. Our client may win the session back before the
        // close is processed, so try a few times.
        for (var attempt = 0; attempt < 20 && !client.SessionLost.IsCancellationRequested; attempt++)
        {
            await RawSession.ResumeAndCloseAsync(endpoint, client.SessionId, client.SessionPassword.ToArray());
            await Task.WhenAny(Task.Delay(500), Task.Delay(Timeout.Infinite, client.SessionLost));
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Task.Delay(Timeout.Infinite, client.SessionLost).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(wait.Token);
        Assert.Equal(ZooKeeperConnectionState.Expired, client.State);
        await states.WaitForAsync(ZooKeeperConnectionState.Expired, TimeSpan.FromSeconds(2));
        await client.CreateAsync("/x", default, CreateMode.Ephemeral, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.SessionExpired);
    }

    [Fact]
    public async Task Ensemble_ConnectedServerThenLeaderKilled_SessionSurvivesOnTheOthers()
    {
        await using var zookeeper = await PrivateZooKeeper.StartAsync(3);

        // Start on a follower, so the ensemble keeps its leader and the test measures the client, not an election.
        var first = 0;
        while (await zookeeper.ModeAsync(first) != "follower")
        {
            first++;
        }

        var servers = Enumerable.Range(0, 3).Select(i => zookeeper.Servers[(first + i) % 3]).ToList();
        await using var client = await ZooKeeperClient.ConnectAsync(zookeeper.Options(TimeSpan.FromSeconds(10), servers) with { Logger = new TestLogger(output) }, CancellationToken.None);
        Assert.Equal(first, zookeeper.IndexOf(client.CurrentServer!));
        var states = new StateRecorder(client);
        var sessionId = client.SessionId;
        var ephemeral = (await client.CreateAsync("/eph", "x"u8.ToArray(), CreateMode.Ephemeral, CancellationToken.None)).Path;

        await zookeeper.KillAsync(first);
        await states.WaitForAsync(ZooKeeperConnectionState.Suspended, TimeSpan.FromSeconds(5));
        await states.WaitForAsync(ZooKeeperConnectionState.Connected, TimeSpan.FromSeconds(10));

        Assert.Equal(sessionId, client.SessionId);
        Assert.NotEqual(first, zookeeper.IndexOf(client.CurrentServer!));
        Assert.Equal(sessionId, (await client.ExistsAsync(ephemeral, null, CancellationToken.None))!.Value.EphemeralOwner);
        await client.SetDataAsync(ephemeral, "y"u8.ToArray(), -1, CancellationToken.None);
        Assert.False(client.SessionLost.IsCancellationRequested);

        // Then the leader (with the first server back, so two of three keep a quorum): every client connection drops
        // during the election, and the session must survive it.
        await zookeeper.RestartAsync(first);
        var leader = 0;
        while (await zookeeper.ModeAsync(leader) != "leader")
        {
            leader++;
        }

        var changes = states.Seen.Count;
        await zookeeper.KillAsync(leader);
        await states.WaitForCountAsync(changes + 2, TimeSpan.FromSeconds(15));
        Assert.Equal([ZooKeeperConnectionState.Suspended, ZooKeeperConnectionState.Connected], states.Seen.Skip(changes));
        Assert.Equal(sessionId, client.SessionId);
        Assert.Equal(sessionId, (await client.ExistsAsync(ephemeral, null, CancellationToken.None))!.Value.EphemeralOwner);
        Assert.False(client.SessionLost.IsCancellationRequested);
    }

    /// <summary>Records a client's state changes, in order, and waits for one.</summary>
    internal sealed class StateRecorder
    {
        private readonly ConcurrentQueue<ZooKeeperConnectionState> _seen = new();
        private readonly System.Threading.Channels.Channel<bool> _changed = System.Threading.Channels.Channel.CreateUnbounded<bool>();

        public StateRecorder(ZooKeeperClient client) => client.StateChanged += state =>
        {
            _seen.Enqueue(state);
            _changed.Writer.TryWrite(true);
        };

        public IReadOnlyList<ZooKeeperConnectionState> Seen => [.. _seen];

        public async Task WaitForCountAsync(int count, TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            while (_seen.Count < count)
            {
                try
                {
                    await _changed.Reader.ReadAsync(cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"{count} state changes not seen within {timeout}; seen: {string.Join(", ", _seen)}");
                }
            }
        }

        public async Task WaitForAsync(ZooKeeperConnectionState state, TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            while (!_seen.Contains(state))
            {
                try
                {
                    await _changed.Reader.ReadAsync(cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"state {state} not reached within {timeout}; seen: {string.Join(", ", _seen)}");
                }
            }
        }
    }
}
