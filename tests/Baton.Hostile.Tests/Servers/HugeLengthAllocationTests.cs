using Baton.Hostile.Tests.Support;
using Xunit;

namespace Baton.Hostile.Tests.Servers;

/// <summary>Alone (so other tests' allocations do not count): a server announcing gigabytes makes no client allocate them.</summary>
[CollectionDefinition(nameof(HugeLengthAllocationTests), DisableParallelization = true)]
public sealed class HugeLengthAllocationGroup;

/// <summary>
/// A server whose framing announces 512 MB to 2 GB (16 MB for HTTP/2): the client fails without allocating anything near
/// it. The bound (64 MB for the whole process over the attempt) is far below the announced size and far above what a
/// connection attempt needs.
/// </summary>
[Collection(nameof(HugeLengthAllocationTests))]
public sealed class HugeLengthAllocationTests
{
    private const long Bound = 64L << 20;

    public static TheoryData<string> Protocols => ["redis", "postgres", "etcd", "zookeeper"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ConnectAsync_HugeLengthAnnounced_FailsWithoutAllocatingIt(string protocol)
    {
        await using var server = new GarbageServer(protocol, Misbehaviour.HugeLength, Seed.Value);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var error = await GarbageServerTests.ConnectAndAcquireAsync(
            GarbageServerTests.Url(protocol, server.Port), new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(2) }, CancellationToken.None);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(error is BackendUnavailableException, $"Expected a BackendUnavailableException, got {error?.ToString() ?? "a connection"}.");
        Assert.True(allocated < Bound, $"{allocated:N0} bytes were allocated while a {protocol} server announced a huge length.");
    }
}
