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
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(40);

    [Theory]
    [InlineData("etcd")]
    [InlineData("redis")]
    [InlineData("zookeeper")]
    [InlineData("postgres")]
    public async Task A_cut_off_holder_is_told_before_a_rival_can_acquire(string scheme)
    {
        await using var partition = await HeldAcrossPartition.StartAsync(scheme);
        var clock = Stopwatch.StartNew();
        partition.Space.Cut();
        await partition.AssertToldBeforeTheRivalAsync(clock, output, scheme);
        await partition.AssertWorksAfterHealingAsync();
    }

    /// <summary>
    /// A waiter cut off from its server gets its answer at the timeout it chose, not at a driver's or the operating
    /// system's: a timed-out answer, or an error saying the backend is unreachable.
    /// </summary>
    [Theory]
    [InlineData("etcd")]
    [InlineData("redis")]
    [InlineData("zookeeper")]
    [InlineData("postgres")]
    public async Task A_cut_off_waiter_is_answered_at_its_own_timeout(string scheme)
    {
        await using var partition = await HeldAcrossPartition.StartAsync(scheme);
        var wanted = partition.Name + "/wanted";
        await using var held = await partition.Rival.CreateLock(wanted).AcquireAsync(Limit);
        var timeout = TimeSpan.FromSeconds(4);
        var waiting = await partition.Holder.StartAcquireAsync(wanted, HolderMode.Lock, timeout);
        // The wait must be queued at the server when the cut comes: the case is a waiter cut off, not a request that never left.
        await WaitUntilListedAsWaitingAsync(partition.Rival, wanted);
        var clock = Stopwatch.StartNew();
        partition.Space.Cut();
        string answer;
        try
        {
            answer = await waiting.WaitAsync(Limit) is null ? "timed out" : "acquired";
        }
        catch (HolderProcessException e) when (e.Message.Contains("failed: ERROR", StringComparison.Ordinal))
        {
            answer = "error";
        }

        output.WriteLine($"{scheme}: the waiter's answer ({answer}) came {clock.ElapsedMilliseconds} ms after the cut; its timeout was {timeout.TotalSeconds} s");
        Assert.NotEqual("acquired", answer);
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(4), $"{scheme}: the answer came {clock.ElapsedMilliseconds} ms after the cut, for a timeout of {timeout.TotalSeconds} s");
    }

    /// <summary>
    /// A PostgreSQL session busy with a statement when the network goes silent cannot be checked (one statement runs
    /// at a time), and that statement would wait for the operating system to give up (about 15 minutes) while the
    /// server frees the session's locks within seconds: the holds on it must still be reported lost first.
    /// </summary>
    [Fact]
    public async Task A_holder_whose_statement_hangs_on_the_cut_is_told_before_a_rival_can_acquire()
    {
        await using var partition = await HeldAcrossPartition.StartAsync("postgres");
        var other = await partition.Holder.AcquireAsync(partition.Name + "/other", HolderMode.Lock, TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        partition.Space.Cut();
        // The release goes out on the session that holds both, and nothing answers it.
        var releasing = ReleaseAsync();
        var lostAt = await partition.AssertToldBeforeTheRivalAsync(clock, output, "postgres, statement in flight");
        // And the release itself ends with its session, instead of waiting with Npgsql for the command timeout (30 s).
        var releasedAt = await releasing.WaitAsync(Limit);
        output.WriteLine($"the release ended {releasedAt.TotalMilliseconds:F0} ms after the cut");
        Assert.True(releasedAt < lostAt + TimeSpan.FromSeconds(10), $"the release ended {releasedAt.TotalMilliseconds:F0} ms after the cut, its session was given up at {lostAt.TotalMilliseconds:F0} ms");

        async Task<TimeSpan> ReleaseAsync()
        {
            await partition.Holder.ReleaseAsync(other.Tag);
            return clock.Elapsed;
        }
    }

    /// <summary>
    /// Not only the hot path: a listing, like any statement the server answers at once, runs on the holding session
    /// and keeps the session's check from running. Unanswered for the check's timeout, it too counts as a broken
    /// session (it had counted as busy and alive, and the hold was reported lost only at the driver's 30 s timeout).
    /// </summary>
    [Fact]
    public async Task A_holder_whose_listing_hangs_on_the_cut_is_told_before_a_rival_can_acquire()
    {
        await using var partition = await HeldAcrossPartition.StartAsync("postgres");
        var clock = Stopwatch.StartNew();
        partition.Space.Cut();
        // Its answer never comes while the network is cut; only the lost token is awaited.
        await partition.Holder.SendAsync("list cut-off-listing");
        await partition.AssertToldBeforeTheRivalAsync(clock, output, "postgres, listing in flight");
    }

    /// <summary>Reads the listing until <paramref name="name"/> shows a waiter: the server's state, which no event reports.</summary>
    private static async Task WaitUntilListedAsWaitingAsync(Coordinator observer, string name)
    {
        var waited = Stopwatch.StartNew();
        while ((await observer.ListLocksAsync()).FirstOrDefault(l => l.Name == name) is not { Waiters.Count: > 0 })
        {
            Assert.True(waited.Elapsed < Limit, $"{name} showed no waiter within {Limit.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    /// <summary>A holder in a namespace of its own holding a lock, and a rival on this side that wants it.</summary>
    private sealed class HeldAcrossPartition : IAsyncDisposable
    {
        private HeldAcrossPartition(NetworkNamespace space, HolderProcess holder, HolderGrant held, Coordinator rival, string name)
        {
            Space = space;
            Holder = holder;
            Held = held;
            Rival = rival;
            Name = name;
        }

        public NetworkNamespace Space { get; }

        public HolderProcess Holder { get; }

        public HolderGrant Held { get; }

        public Coordinator Rival { get; }

        public string Name { get; }

        public static async Task<HeldAcrossPartition> StartAsync(string scheme)
        {
            var backend = PartitionedBackend.All[scheme];
            var space = NetworkNamespace.Create();
            try
            {
                var options = new HolderProcessOptions();
                foreach (var part in space.LaunchPrefix)
                {
                    options.LaunchPrefix.Add(part);
                }

                var holder = await HolderProcess.StartAsync(backend.UrlFrom(space.HostAddress), options);
                var name = $"partition/{scheme}/{Guid.NewGuid():N}";
                var held = await holder.AcquireAsync(name, HolderMode.Lock, TimeSpan.FromSeconds(10));
                var rival = await Coordinator.ConnectAsync(backend.DirectUrl);
                Assert.Null(await rival.CreateLock(name).TryAcquireAsync());
                return new HeldAcrossPartition(space, holder, held, rival, name);
            }
            catch
            {
                space.Dispose();
                throw;
            }
        }

        /// <summary>Asks for the lock on this side, waits for the holder's lost token, then for the rival; returns when the token fired.</summary>
        public async Task<TimeSpan> AssertToldBeforeTheRivalAsync(Stopwatch clock, ITestOutputHelper output, string what)
        {
            var contested = Rival.CreateLock(Name);
            var rivalGot = Task.Run(async () =>
            {
                var handle = await contested.AcquireAsync(Limit);
                return (Handle: handle, At: clock.Elapsed);
            });

            var reason = await Holder.WaitForLostAsync(Held.Tag, Limit);
            var lostAt = clock.Elapsed;
            Assert.False(rivalGot.IsCompleted, $"the rival acquired {Name} before the cut-off holder was told (lost after {lostAt.TotalMilliseconds:F0} ms)");

            var (rivalHandle, rivalAt) = await rivalGot.WaitAsync(Limit);
            await using (rivalHandle)
            {
                Assert.True(rivalHandle.FencingToken > Held.FencingToken, "the rival's fencing token must be newer than the cut-off holder's");
            }

            output.WriteLine($"{what}: lost ({reason}) {lostAt.TotalMilliseconds:F0} ms after the cut; rival acquired {rivalAt.TotalMilliseconds:F0} ms after it");
            Assert.True(rivalAt > lostAt);
            return lostAt;
        }

        /// <summary>Heals the network and takes a lock again through the same coordinator.</summary>
        public async Task AssertWorksAfterHealingAsync()
        {
            Space.Heal();
            var again = await Holder.AcquireAsync(Name + "/after", HolderMode.Lock, Limit);
            Assert.True(again.FencingToken > 0);
            await Holder.ReleaseAsync(again.Tag);
        }

        public async ValueTask DisposeAsync()
        {
            await Rival.DisposeAsync();
            await Holder.DisposeAsync();
            Space.Dispose();
        }
    }
}
