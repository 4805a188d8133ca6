using Baton.Conformance;
using Baton.Memory;
using Xunit;

namespace Baton.Tests.Memory;

/// <summary>The memory store sweeps idle names, so a stream of distinct names does not leak, without losing what must survive.</summary>
public sealed class MemoryStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Each test gets a scope of its own, so the store's size is this test's alone.
    private readonly string _scope = $"store-{Guid.NewGuid():N}";
    private Coordinator _coordinator = null!;
    private Coordinator _other = null!;

    private MemoryStore Store => MemoryStore.ForScope(_scope);

    public async Task InitializeAsync()
    {
        _coordinator = await Coordinator.ConnectAsync($"memory://{_scope}");
        _other = await Coordinator.ConnectAsync($"memory://{_scope}");
    }

    public async Task DisposeAsync()
    {
        await _other.DisposeAsync();
        await _coordinator.DisposeAsync();
    }

    [Fact]
    public async Task AcquireAsync_5000DistinctNamesReleased_ListingEmptyAndStoreBounded()
    {
        for (var i = 0; i < 5000; i++)
        {
            var name = $"churn-{i}";
            if (i % 2 == 0)
            {
                await using var handle = await _coordinator.CreateLock(name).AcquireAsync(Patience);
            }
            else
            {
                await using var slot = await _coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
            }
        }

        Assert.Empty(await _coordinator.ListLocksAsync());
        var retained = Store.AllStates.Count();
        Assert.True(retained <= 2048, $"The store keeps {retained} idle names after 5,000 were used and released.");
    }

    [Fact]
    public async Task AcquireAsync_HeldNamesDuringSweeps_StayHeldAndListed()
    {
        var held = new List<LockHandle>();
        for (var i = 0; i < 10; i++)
        {
            held.Add(await _coordinator.CreateLock($"held-{i}").AcquireAsync(Patience));
        }

        await ChurnAsync(3000);

        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await _other.CreateLock($"held-{i}").TryAcquireAsync());
        }

        Assert.Equal(10, (await _coordinator.ListLocksAsync()).Count);
        foreach (var handle in held)
        {
            await handle.DisposeAsync();
        }

        Assert.Empty(await _coordinator.ListLocksAsync());
    }

    [Fact]
    public async Task AcquireAsync_AfterTheNameWasSwept_FencingTokenStillIncreases()
    {
        var first = await _coordinator.CreateLock("kept-token").AcquireAsync(Patience);
        await first.DisposeAsync();

        await ChurnAsync(3000);

        await using var second = await _coordinator.CreateLock("kept-token").AcquireAsync(Patience);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task AcquireAsync_AbandonedNameAcrossSweeps_StillGetsTheTakeoverNotice()
    {
        var crashed = await Coordinator.ConnectAsync($"memory://{_scope}", new CoordinatorOptions { MemberId = "crashed" });
        var abandoned = await crashed.CreateLock("abandoned").AcquireAsync(Patience);
        await crashed.DisposeAsync();

        await ChurnAsync(3000);

        await using var next = await _coordinator.CreateLock("abandoned").AcquireAsync(Patience);
        Assert.Equal(abandoned.FencingToken, next.Takeover?.PreviousFencingToken);
        Assert.Equal("crashed", next.Takeover?.PreviousHolder.CustomId);
    }

    [Fact]
    public async Task AcquireAsync_ConcurrentChurnAndContention_KeepsMutualExclusion()
    {
        var probe = new ExclusionProbe();
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var coordinator = w % 2 == 0 ? _coordinator : _other;
            for (var round = 0; round < 400; round++)
            {
                await using (var fresh = await coordinator.CreateLock($"fresh-{w}-{round}").AcquireAsync(Patience))
                {
                }

                await using var hot = await coordinator.CreateLock($"hot-{round % 3}").AcquireAsync(Patience);
                if (round % 3 == 0)
                {
                    await probe.VisitAsync();
                }
            }
        }));

        await Task.WhenAll(workers).WaitAsync(Patience * 3);

        Assert.Equal(0, probe.Overlaps);
        Assert.Equal(8 * 134, probe.Count);
        Assert.Empty(await _coordinator.ListLocksAsync());
    }

    private async Task ChurnAsync(int names)
    {
        for (var i = 0; i < names; i++)
        {
            await using var handle = await _other.CreateLock($"churn-{i}").AcquireAsync(Patience);
        }
    }
}
