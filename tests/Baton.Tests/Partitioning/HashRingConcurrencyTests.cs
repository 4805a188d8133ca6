using Baton.Partitioning;
using Xunit;

namespace Baton.Tests.Partitioning;

public sealed class HashRingConcurrencyTests
{
    /// <summary>
    /// While one writer flips the ring between two member sets, readers must only ever see one set
    /// or the other, whole: a snapshot's members, points and owners always belong together.
    /// </summary>
    [Fact]
    public async Task Readers_DuringUpdates_SeeOnlyWholeSnapshots()
    {
        var setA = RingKeys.Members(10, "a-");
        var setB = RingKeys.Members(7, "b-").Append(new RingMember("a-3", 2)).ToArray();
        var keys = RingKeys.HundredThousand.Take(64).ToArray();
        var ownersA = keys.Select(RingKeys.Snapshot(setA).OwnerOf).ToArray();
        var ownersB = keys.Select(RingKeys.Snapshot(setB).OwnerOf).ToArray();
        var pointsA = RingKeys.Snapshot(setA).PointCount;
        var pointsB = RingKeys.Snapshot(setB).PointCount;
        var ring = new HashRing(setA);
        using var stop = new CancellationTokenSource();

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            long lastVersion = 0, reads = 0;
            while (!stop.IsCancellationRequested || reads == 0)
            {
                var snapshot = ring.Current;
                Assert.True(snapshot.Version >= lastVersion);
                lastVersion = snapshot.Version;
                var isA = snapshot.Members.Count == setA.Length;
                Assert.Equal(isA ? pointsA : pointsB, snapshot.PointCount);
                Assert.Equal((isA ? setA : setB).Select(m => m.Id).Order(StringComparer.Ordinal), snapshot.Members.Select(m => m.Id).Order(StringComparer.Ordinal));
                var i = (int)(reads++ % keys.Length);
                Assert.Equal((isA ? ownersA : ownersB)[i], snapshot.OwnerOf(keys[i]));
            }

            return reads;
        })).ToArray();

        for (var i = 0; i < 400; i++)
        {
            ring.SetMembers(i % 2 == 0 ? setB : setA);
        }

        await stop.CancelAsync();
        var counts = await Task.WhenAll(readers);

        Assert.Equal(400, ring.Current.Version);
        Assert.All(counts, c => Assert.True(c > 0));
    }
}
