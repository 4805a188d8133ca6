using System.Diagnostics;
using Xunit;

namespace Baton.Tests.Memory.Audit;

/// <summary>
/// Audit of the one-object lock path (d15c911): races between a fast acquisition or release and the
/// coordinator's disposal or a second release, run in bounded stress loops on two dedicated threads.
/// </summary>
public sealed class FastPathAuditTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    /// <summary>
    /// An acquisition that throws <see cref="ObjectDisposedException"/> never handed a hold to anyone, so the
    /// next holder must not be told that a previous holder "did not release cleanly" (nor may a loss be logged
    /// and counted for it). Interleaving: TryAcquireFast wins the CAS (null → handle) and publishes its token;
    /// the coordinator's DisposeAsync sets its flag and, in Abandon, adopts the handle (handle → SlowMode),
    /// removes it and records a pending takeover (Abandoned) and marks the grant lost; TryAcquireFast then sees
    /// IsDisposed, its TryReleaseFast fails (adopted), it returns null, and the general path throws
    /// ObjectDisposedException. The next acquirer, from another coordinator, gets a takeover notice naming a
    /// hold that was never returned to the application.
    /// </summary>
    [Fact]
    public async Task FastAcquireRacingCoordinatorDispose_AHoldNeverHandedOut_LeavesNoTakeoverNotice()
    {
        var url = $"memory://audit-dispose-{Guid.NewGuid():N}";
        await using var observer = await Coordinator.ConnectAsync(url);
        var spurious = 0;
        var failedAcquisitions = 0;
        var rounds = 0;
        var random = new Random(12345);
        var clock = Stopwatch.StartNew();
        using var start = new Barrier(2);
        Coordinator? owner = null;
        DistributedLock? primitive = null;
        LockHandle? acquired = null;
        Exception? acquireError = null;
        var spin = 0;
        var centre = 200;
        var stop = false;

        var acquirer = new Thread(() =>
        {
            while (true)
            {
                start.SignalAndWait();
                if (Volatile.Read(ref stop))
                {
                    return;
                }

                Thread.SpinWait(Volatile.Read(ref spin));
                try
                {
                    acquired = primitive!.TryAcquire();
                }
                catch (ObjectDisposedException e)
                {
                    acquireError = e;
                }

                start.SignalAndWait();
            }
        });
        acquirer.Start();

        while (clock.Elapsed < Budget)
        {
            const string name = "raced";
            owner = await Coordinator.ConnectAsync(url);
            primitive = owner.CreateLock(name);
            acquired = null;
            acquireError = null;
            // Steer the acquirer's head start toward the point where either side may win, where the window is.
            var offset = centre + random.Next(-40, 41);
            Volatile.Write(ref spin, Math.Max(0, offset));
            start.SignalAndWait();
            Thread.SpinWait(Math.Max(0, -offset));
            await owner.DisposeAsync();
            start.SignalAndWait();
            rounds++;

            centre = Math.Clamp(centre + (acquired is null ? -3 : 3), -20_000, 20_000);
            if (acquired is { } handle)
            {
                // Handed out, then abandoned by the disposal: a takeover notice is right; take it here so the
                // next round starts from an idle name.
                handle.Dispose();
                using var drained = observer.CreateLock(name).TryAcquire();
                Assert.NotNull(drained);
                continue;
            }

            Assert.NotNull(acquireError);
            failedAcquisitions++;
            using var next = observer.CreateLock(name).TryAcquire();
            Assert.NotNull(next);
            if (next.Takeover is not null)
            {
                spurious++;
            }
        }

        Volatile.Write(ref stop, true);
        start.SignalAndWait();
        acquirer.Join();

        Assert.True(
            spurious == 0,
            $"{spurious} of {failedAcquisitions} acquisitions that threw ObjectDisposedException (of {rounds} rounds) left the next holder a "
            + "takeover notice (Abandoned) for a hold that was never handed out.");
    }

    /// <summary>
    /// The general path sets IsReleased (Interlocked.Exchange) before either of two concurrent disposes can
    /// return. The fast path writes it only after its winning compare-and-swap; the losing dispose finds the
    /// swap gone, takes the gate, sees no grant and returns at once — possibly before the winner's write, so a
    /// caller whose Dispose() has returned can still read IsReleased == false.
    /// </summary>
    [Fact]
    public async Task ConcurrentDisposes_WhenEitherReturns_IsReleasedIsAlreadyTrue()
    {
        var url = $"memory://audit-release-{Guid.NewGuid():N}";
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var primitive = coordinator.CreateLock("double");
        var notYetReleased = 0;
        var rounds = 0;
        var clock = Stopwatch.StartNew();
        using var start = new Barrier(2);
        LockHandle? handle = null;
        var stop = false;

        var other = new Thread(() =>
        {
            while (true)
            {
                start.SignalAndWait();
                if (Volatile.Read(ref stop))
                {
                    return;
                }

                handle!.Dispose();
                if (!handle.IsReleased)
                {
                    Interlocked.Increment(ref notYetReleased);
                }

                start.SignalAndWait();
            }
        });
        other.Start();

        while (clock.Elapsed < Budget)
        {
            handle = primitive.TryAcquire() ?? throw new InvalidOperationException("the name was left held");
            start.SignalAndWait();
            handle.Dispose();
            if (!handle.IsReleased)
            {
                Interlocked.Increment(ref notYetReleased);
            }

            start.SignalAndWait();
            rounds++;
        }

        Volatile.Write(ref stop, true);
        start.SignalAndWait();
        other.Join();

        Assert.True(notYetReleased == 0, $"{notYetReleased} of {rounds} rounds: Dispose() returned while IsReleased was still false.");
    }
}
