using Baton.Conformance;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Baton.Tests.Memory;

/// <summary>
/// The one-object path of an uncontended lock: the handle is the holder until something needs a grant
/// (a waiter, a break, a listing, a lost token, the coordinator's disposal). Every way in and out of
/// that path, and the races between them, must keep the contract.
/// </summary>
public sealed class MemoryFastPathTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _url = $"memory://fast-{Guid.NewGuid():N}";
    private Coordinator _first = null!;
    private Coordinator _second = null!;

    public async Task InitializeAsync()
    {
        _first = await Coordinator.ConnectAsync(_url);
        _second = await Coordinator.ConnectAsync(_url);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task Break_OfAHoldWhoseLostTokenWasNeverRead_StillReportsTheLoss()
    {
        var handle = await _first.CreateLock("broken").AcquireAsync();

        var broken = await _second.BreakLockAsync("broken");

        Assert.Equal(handle.FencingToken, Assert.Single(broken).FencingToken);
        Assert.True(handle.IsLost);
        Assert.Equal(LossReason.Broken, handle.LossReason);
        Assert.True(handle.LostToken.IsCancellationRequested);
        await using var next = await _second.CreateLock("broken").TryAcquireAsync();
        Assert.NotNull(next);
        Assert.Equal(handle.FencingToken, next.Takeover?.PreviousFencingToken);
        Assert.True(next.FencingToken > handle.FencingToken);
    }

    [Fact]
    public async Task LostToken_ReadDuringAHold_FiresOnBreakAndNotOnRelease()
    {
        var name = "token-read";
        var first = await _first.CreateLock(name).AcquireAsync();
        var firstLost = first.LostToken;
        await first.DisposeAsync();
        Assert.False(firstLost.IsCancellationRequested);

        var second = await _first.CreateLock(name).AcquireAsync();
        var secondLost = second.LostToken;
        await _second.BreakLockAsync(name);

        Assert.True(secondLost.IsCancellationRequested);
        Assert.False(firstLost.IsCancellationRequested);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task Dispose_OfAStaleHandle_NeverReleasesTheNextHolder()
    {
        var name = "stale";
        var first = await _first.CreateLock(name).AcquireAsync();
        await first.DisposeAsync();
        var second = await _second.CreateLock(name).AcquireAsync();

        await first.DisposeAsync();
        first.Dispose();

        Assert.True(first.IsReleased);
        Assert.False(second.IsReleased);
        Assert.Null(await _first.CreateLock(name).TryAcquireAsync());
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Release_OfAFastHoldWithAQueuedWaiter_GrantsTheWaiter()
    {
        var name = "queued";
        var held = await _first.CreateLock(name).AcquireAsync();
        var waiting = _second.CreateLock(name).AcquireAsync().AsTask();
        await WaitUntilListedAsync(name, waiters: 1);

        await held.DisposeAsync();
        await using var granted = await waiting.WaitAsync(Patience);

        Assert.True(granted.FencingToken > held.FencingToken);
        Assert.Null(granted.Takeover);
        Assert.False(held.IsLost);
    }

    [Fact]
    public async Task Listing_ShowsAFastHolderWithItsTokenAndSince()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        await using var coordinator = await Coordinator.ConnectAsync(
            $"memory://fast-listing-{Guid.NewGuid():N}", new CoordinatorOptions { TimeProvider = clock, MemberId = "lister" });
        var acquiredAt = clock.GetUtcNow();
        await using var handle = await coordinator.CreateLock("listed").AcquireAsync();
        clock.Advance(TimeSpan.FromMinutes(3));

        var info = Assert.Single(await coordinator.ListLocksAsync());

        var holder = Assert.Single(info.Holders);
        Assert.Equal(handle.FencingToken, holder.FencingToken);
        Assert.Equal(acquiredAt, holder.Since);
        Assert.Equal(LockMode.Exclusive, holder.Mode);
        Assert.Equal("lister", holder.Member.CustomId);
    }

    [Fact]
    public async Task DisposingTheCoordinator_EndsItsFastHoldAsACrashWould()
    {
        var owner = await Coordinator.ConnectAsync(_url);
        var handle = await owner.CreateLock("abandoned").AcquireAsync();

        await owner.DisposeAsync();

        Assert.True(handle.IsLost);
        Assert.Equal(LossReason.CoordinatorDisposed, handle.LossReason);
        await using var next = await _first.CreateLock("abandoned").TryAcquireAsync();
        Assert.NotNull(next);
        Assert.Equal(TakeoverReason.Abandoned, next.Takeover?.Reason);
        Assert.Equal(handle.FencingToken, next.Takeover?.PreviousFencingToken);
    }

    [Fact]
    public async Task ConcurrentDisposes_ReleaseOnceAndLeaveTheNameFree()
    {
        var name = "double-dispose";
        var acquirer = _first.CreateLock(name);
        for (var round = 0; round < 2_000; round++)
        {
            var handle = await acquirer.AcquireAsync();
            await Task.WhenAll(Task.Run(() => handle.DisposeAsync().AsTask()), Task.Run(handle.Dispose));

            Assert.True(handle.IsReleased);
            await using var after = await acquirer.TryAcquireAsync();
            Assert.True(after is not null, $"Round {round}: '{name}' was left held.");
        }
    }

    [Fact]
    public async Task FastHolders_RacingWaitersListingsAndTokenReads_NeverOverlap()
    {
        var name = "mixed";
        var probe = new ExclusionProbe();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var lastToken = 0L;
        var tokensInOrder = true;

        async Task WorkAsync(Coordinator coordinator, int worker)
        {
            var distributedLock = coordinator.CreateLock(name);
            for (var i = 0; !stop.IsCancellationRequested || i < 200; i++)
            {
                await using var handle = await distributedLock.AcquireAsync(Patience);
                if (handle.FencingToken <= lastToken)
                {
                    tokensInOrder = false;
                }

                lastToken = handle.FencingToken;
                if ((i + worker) % 7 == 0)
                {
                    Assert.False(handle.LostToken.IsCancellationRequested); // Adopts the fast hold.
                }

                await probe.VisitAsync();
            }
        }

        async Task ListAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var info in await _second.ListLocksAsync())
                {
                    Assert.InRange(info.Holders.Count, 0, 1);
                }

                await Task.Yield();
            }
        }

        await Task.WhenAll(Task.Run(() => WorkAsync(_first, 0)), Task.Run(() => WorkAsync(_second, 1)), Task.Run(ListAsync));

        Assert.Equal(0, probe.Overlaps);
        Assert.True(tokensInOrder, "A later holder got a fencing token that was not greater.");
        await using var after = await _first.CreateLock(name).TryAcquireAsync();
        Assert.NotNull(after);
    }

    private async Task WaitUntilListedAsync(string name, int waiters)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while ((await _first.ListLocksAsync(deadline.Token)).SingleOrDefault(i => i.Name == name)?.Waiters.Count != waiters)
        {
            await Task.Delay(1, deadline.Token);
        }
    }
}
