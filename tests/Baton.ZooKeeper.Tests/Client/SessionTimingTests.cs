using System.Buffers.Binary;
using System.Threading.Channels;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

/// <summary>Pings, the dead-connection timeout and the local session deadline, on fake time against a fake server.</summary>
[Collection(PrivateServers.Name)]
public sealed class SessionTimingTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Silence_PingsUnanswered_SuspendedAfterTwoThirdsAndExpiredOneTimeoutAfterTheLastAnsweredPing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var pings = Channel.CreateUnbounded<TimeSpan>();
        var answering = true;
        var connections = 0;
        var start = time.GetTimestamp();
        await using var server = new FakeZooKeeperServer(async (stream, cancellationToken) =>
        {
            if (Interlocked.Increment(ref connections) > 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken); // reconnects get no answer
            }

            await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
            await stream.WriteAsync(FakeZooKeeperServer.ConnectResponse(3000), cancellationToken);
            while (true)
            {
                var frame = await FakeZooKeeperServer.ReadFrameAsync(stream, cancellationToken);
                if (BinaryPrimitives.ReadInt32BigEndian(frame) == -2)
                {
                    pings.Writer.TryWrite(time.GetElapsedTime(start));
                    if (Volatile.Read(ref answering))
                    {
                        byte[] reply = [0, 0, 0, 16, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                        await stream.WriteAsync(reply, cancellationToken);
                    }
                }
            }
        });

        var options = server.Options(TimeSpan.FromSeconds(5)) with { TimeProvider = time, SessionTimeout = TimeSpan.FromSeconds(3) };
        await using var client = await ZooKeeperClient.ConnectAsync(options, CancellationToken.None);
        var states = new SessionFaultTests.StateRecorder(client);
        Assert.Equal(TimeSpan.FromSeconds(3), client.SessionTimeout);

        // Idle: a ping every third of the timeout, each answered.
        var first = await AdvanceUntilAsync(time, pings.Reader.ReadAsync().AsTask(), TimeSpan.FromSeconds(2));
        Assert.InRange(first, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1.3));
        var second = await AdvanceUntilAsync(time, pings.Reader.ReadAsync().AsTask(), TimeSpan.FromSeconds(2));
        Assert.InRange(second - first, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1.3));

        // The server goes quiet: the connection is dead 2/3 of the timeout after the last thing heard…
        Volatile.Write(ref answering, false);
        var suspended = await AdvanceUntilAsync(time, states.WaitForAsync(ZooKeeperConnectionState.Suspended, TimeSpan.FromSeconds(30)).ContinueWith(_ => time.GetElapsedTime(start), TaskScheduler.Default), TimeSpan.FromSeconds(4));
        Assert.InRange(suspended - second, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2.4));
        Assert.False(client.SessionLost.IsCancellationRequested);

        // …and the session is lost one timeout after the send of the last answered ping, though no server said so.
        var expired = await AdvanceUntilAsync(time, states.WaitForAsync(ZooKeeperConnectionState.Expired, TimeSpan.FromSeconds(30)).ContinueWith(_ => time.GetElapsedTime(start), TaskScheduler.Default), TimeSpan.FromSeconds(4));
        Assert.InRange(expired - second, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(3.4));
        Assert.True(client.SessionLost.IsCancellationRequested);
        Assert.Equal(ZooKeeperConnectionState.Expired, client.State);
    }

    [Fact]
    public async Task Dispose_FakeClockNeverAdvanced_SilentServer_StillReturnsWithinAboutASecond()
    {
        await using var server = new FakeZooKeeperServer(FakeZooKeeperServer.Silent(30_000));
        var options = server.Options(TimeSpan.FromSeconds(5)) with { TimeProvider = new FakeTimeProvider() };
        var client = await ZooKeeperClient.ConnectAsync(options, CancellationToken.None);
        var pending = client.GetDataAsync("/x", null, CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
    }

    /// <summary>Moves fake time in small steps, giving the client a moment of real time after each, until the task ends.</summary>
    private static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider time, Task<T> task, TimeSpan limit)
    {
        for (var advanced = TimeSpan.Zero; advanced <= limit; advanced += Step)
        {
            if (await Task.WhenAny(task, Task.Delay(50)) == task)
            {
                return await task;
            }

            time.Advance(Step);
        }

        throw new TimeoutException($"nothing happened within {limit} of fake time");
    }
}
