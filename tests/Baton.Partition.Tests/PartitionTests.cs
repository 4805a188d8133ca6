using System.Diagnostics;
using Baton.Conformance.CrossProcess;
using Xunit;
using Xunit.Abstractions;

namespace Baton.Partition.Tests;

/// <summary>
/// A holder cut off from its server by a real partition (its packets dropped by nftables in its own network
/// namespace) must learn that it lost its lock before anybody else can take it: DESIGN.md's lost token, under the
/// fault that leases exist for. Each case also measures how long after the cut the lost token fired and the rival
/// got the lock (docs/RELIABILITY.md), and checks that the holder's coordinator works again once the network heals.
/// </summary>
public sealed class PartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("etcd")]
    [InlineData("redis")]
    [InlineData("zookeeper")]
    [InlineData("postgres")]
    public async Task A_cut_off_holder_is_told_before_a_rival_can_acquire(string scheme)
    {
        var backend = PartitionedBackend.All[scheme];
        using var space = NetworkNamespace.Create();
        await using var relay = TcpRelay.Start(space.HostAddress, backend.ServerUrl.Port);
        var options = new HolderProcessOptions();
        foreach (var part in space.LaunchPrefix)
        {
            options.LaunchPrefix.Add(part);
        }

        await using var holder = await HolderProcess.StartAsync(backend.RelayedUrl(space.HostAddress, relay.Port), options);
        var name = $"partition/{scheme}/{Guid.NewGuid():N}";
        var held = await holder.AcquireAsync(name, HolderMode.Lock, TimeSpan.FromSeconds(10));

        await using var rival = await Coordinator.ConnectAsync(backend.DirectUrl);
        var contested = rival.CreateLock(name);
        Assert.Null(await contested.TryAcquireAsync());

        var clock = Stopwatch.StartNew();
        space.Cut();
        var rivalGot = Task.Run(async () =>
        {
            var handle = await contested.AcquireAsync(Limit);
            return (Handle: handle, At: clock.Elapsed);
        });

        var reason = await holder.WaitForLostAsync(held.Tag, Limit);
        var lostAt = clock.Elapsed;
        Assert.False(rivalGot.IsCompleted, $"the rival acquired {name} before the cut-off holder was told (lost after {lostAt.TotalMilliseconds:F0} ms)");

        if (!backend.ServerEndsSessionOnSilence)
        {
            // PostgreSQL keeps the session, and its advisory locks, until its TCP stack gives the connection up (the
            // kernel's keepalive or retransmission limits). The holder is told at its next check; the rival waits
            // for the server. Closing the relayed connection is that moment, brought forward.
            Assert.NotSame(rivalGot, await Task.WhenAny(rivalGot, Task.Delay(TimeSpan.FromSeconds(1))));
            relay.CloseConnections();
        }

        var (rivalHandle, rivalAt) = await rivalGot.WaitAsync(Limit);
        await using (rivalHandle)
        {
            Assert.True(rivalHandle.FencingToken > held.FencingToken, "the rival's fencing token must be newer than the cut-off holder's");
        }

        output.WriteLine($"{scheme}: lost ({reason}) {lostAt.TotalMilliseconds:F0} ms after the cut; rival acquired {rivalAt.TotalMilliseconds:F0} ms after it");
        Assert.True(rivalAt > lostAt);

        space.Heal();
        var again = await holder.AcquireAsync(name + "/after", HolderMode.Lock, Limit);
        Assert.True(again.FencingToken > 0);
        await holder.ReleaseAsync(again.Tag);
    }
}
