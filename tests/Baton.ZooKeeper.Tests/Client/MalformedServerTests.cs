using System.Buffers.Binary;
using System.Diagnostics;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

/// <summary>Servers that break the protocol: every case ends in a clear error within its timeout, never a hang or a crash.</summary>
public sealed class MalformedServerTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1.5);

    public static TheoryData<string, byte[], string> BrokenHandshakes => new()
    {
        { "short connect response", [0, 0, 0, 3, 1, 2, 3], "protocol error" },
        { "huge length", [0x7f, 0xff, 0xff, 0xff], "frame length of 2147483647" },
        { "negative length", [0xff, 0xff, 0xff, 0xfe], "frame length of -2" },
        { "password of 5 bytes", [0, 0, 0, 25, 0, 0, 0, 0, 0, 0, 0x0f, 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5], "password has 5 bytes" },
        { "length then silence", [0, 0, 0, 40, 0, 0, 0], "no session within" },
    };

    [Theory]
    [MemberData(nameof(BrokenHandshakes))]
    public async Task Connect_BrokenHandshake_FailsWithinConnectTimeoutNamingTheEndpointAndCause(string why, byte[] reply, string expected)
    {
        _ = why;
        await using var server = new FakeZooKeeperServer(async (stream, cancellationToken) =>
        {
            await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
            await stream.WriteAsync(reply, cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        });

        var clock = Stopwatch.StartNew();
        var exception = await Assert.ThrowsAsync<ZooKeeperException>(() => ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, ConnectTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(ZooKeeperErrorCode.ConnectionLoss, exception.Code);
        Assert.Contains($"127.0.0.1:{server.Endpoint.Port}", exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_NothingListening_FailsWithinConnectTimeoutListingEveryEndpoint()
    {
        var options = new ZooKeeperClientOptions { Servers = [new("127.0.0.1", 1), new("127.0.0.1", 2)], ConnectTimeout = TimeSpan.FromSeconds(1) };
        var exception = await Assert.ThrowsAsync<ZooKeeperException>(() => ZooKeeperClient.ConnectAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("127.0.0.1:1 (ConnectionRefused", exception.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:2 (ConnectionRefused", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_GarbageReply_FailsTheCallAndDropsTheConnection()
    {
        await using var server = new FakeZooKeeperServer(FakeZooKeeperServer.Silent(30_000, async (request, stream, cancellationToken) =>
        {
            // A reply header for an xid nobody asked for.
            byte[] reply = [0, 0, 0, 16, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
            await stream.WriteAsync(reply, cancellationToken);
        }));
        await using var client = await ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None);
        var exception = await client.GetDataAsync("/x", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ThrowsAnyAsync<ZooKeeperException>();
        Assert.Equal(ZooKeeperErrorCode.MarshallingError, exception.Code);
        Assert.Contains("out of order", exception.Message, StringComparison.Ordinal);
        Assert.NotEqual(ZooKeeperConnectionState.Expired, client.State);
    }

    [Fact]
    public async Task Request_MalformedBody_FailsWithMarshallingError()
    {
        await using var server = new FakeZooKeeperServer(FakeZooKeeperServer.Silent(30_000, async (request, stream, cancellationToken) =>
        {
            // The right xid, no error, then a data length that runs past the frame.
            var reply = new byte[24];
            BinaryPrimitives.WriteInt32BigEndian(reply, 20);
            request.AsSpan(0, 4).CopyTo(reply.AsSpan(4));
            BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(20), 1000);
            await stream.WriteAsync(reply, cancellationToken);
        }));
        await using var client = await ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None);
        var exception = await client.GetDataAsync("/x", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ThrowsAnyAsync<ZooKeeperException>();
        Assert.Equal(ZooKeeperErrorCode.MarshallingError, exception.Code);
        Assert.Contains("length of 1000", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ReplyStopsMidFrame_FailsWithConnectionLossWithinTheReadTimeout()
    {
        await using var server = new FakeZooKeeperServer(FakeZooKeeperServer.Silent(1_500, async (request, stream, cancellationToken) =>
        {
            byte[] partial = [0, 0, 0, 100, 0, 0];
            await stream.WriteAsync(partial, cancellationToken);
        }));
        await using var client = await ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        await client.GetDataAsync("/x", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ThrowsAsync(ZooKeeperErrorCode.ConnectionLoss);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3)); // 2/3 of the 1.5 s session
    }

    [Fact]
    public async Task Cancel_PendingCall_ThrowsOperationCanceledAndTheClientStaysUsable()
    {
        await using var server = new FakeZooKeeperServer(FakeZooKeeperServer.Silent(30_000));
        await using var client = await ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetDataAsync("/x", null, cancel.Token));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Equal(ZooKeeperConnectionState.Connected, client.State);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetDataAsync("/x", null, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Dispose_PendingCalls_FailWithObjectDisposedWithinAboutASecond()
    {
        await using var server = new FakeZooKeeperServer(FakeZooKeeperServer.Silent(30_000));
        var client = await ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None);
        var pending = Enumerable.Range(0, 5).Select(i => client.ExistsAsync($"/x{i}", null, CancellationToken.None)).ToList();
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLost.Register(lost.SetResult);
        var clock = Stopwatch.StartNew();
        await client.DisposeAsync();
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2.5));
        foreach (var call in pending)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => call.WaitAsync(TimeSpan.FromSeconds(2)));
        }

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(ZooKeeperConnectionState.Closed, client.State);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ExistsAsync("/y", null, CancellationToken.None));
        await client.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task SessionExpiredAnswer_Connect_FailsAsExpired()
    {
        await using var server = new FakeZooKeeperServer(async (stream, cancellationToken) =>
        {
            await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
            await stream.WriteAsync(FakeZooKeeperServer.ConnectResponse(0, 0), cancellationToken);
        });
        var exception = await Assert.ThrowsAsync<ZooKeeperException>(() => ZooKeeperClient.ConnectAsync(server.Options(ConnectTimeout), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(ZooKeeperErrorCode.SessionExpired, exception.Code);
    }

    [Fact]
    public async Task AuthRefusedOnReconnect_IsFinal_WatchersToldAndCallsFailWithAuthFailed()
    {
        var connections = 0;
        await using var server = new FakeZooKeeperServer(async (stream, cancellationToken) =>
        {
            var first = Interlocked.Increment(ref connections) == 1;
            await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
            await stream.WriteAsync(FakeZooKeeperServer.ConnectResponse(30_000), cancellationToken);
            await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken); // the credentials
            await stream.WriteAsync(Reply(-4, first ? 0 : (int)ZooKeeperErrorCode.AuthFailed), cancellationToken);
            if (first)
            {
                // Answer one exists (absent: the watch stays registered), then break the connection.
                var request = await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
                await stream.WriteAsync(Reply(BinaryPrimitives.ReadInt32BigEndian(request), (int)ZooKeeperErrorCode.NoNode), cancellationToken);
                await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
            }
        });

        var options = server.Options(ConnectTimeout) with { Auth = [ZooKeeperAuth.Digest("user", "secret-pw")] };
        await using var client = await ZooKeeperClient.ConnectAsync(options, CancellationToken.None);
        var watched = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Null(await client.ExistsAsync("/w", e => watched.TrySetResult(e), CancellationToken.None));

        // The next request is never answered: the fake server closes the connection, and refuses the credentials on the reconnect.
        var pending = client.GetDataAsync("/x", null, CancellationToken.None);
        Assert.Equal(new WatchedEvent(WatchedEventType.None, ZooKeeperConnectionState.AuthFailed, "/w"), await watched.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(ZooKeeperConnectionState.AuthFailed, client.State);
        Assert.True(client.SessionLost.IsCancellationRequested);
        var failed = await pending.WaitAsync(TimeSpan.FromSeconds(5)).ThrowsAnyAsync<ZooKeeperException>();
        Assert.Contains(failed.Code, new[] { ZooKeeperErrorCode.ConnectionLoss, ZooKeeperErrorCode.AuthFailed });
        var later = await client.ExistsAsync("/w", null, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.AuthFailed);
        Assert.DoesNotContain("secret-pw", later.ToString(), StringComparison.Ordinal);
    }

    private static byte[] Reply(int xid, int error)
    {
        var reply = new byte[20];
        BinaryPrimitives.WriteInt32BigEndian(reply, 16);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(4), xid);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(16), error);
        return reply;
    }
}
