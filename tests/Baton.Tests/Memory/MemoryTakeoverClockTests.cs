using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Baton.Tests.Memory;

/// <summary>Times in takeover notices and waiter listings come from the coordinator's clock.</summary>
public sealed class MemoryTakeoverClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Takeover_FakeClock_EndedAtIsWhenTheCoordinatorWasDisposed()
    {
        var clock = new FakeTimeProvider(Start);
        var url = $"memory://clock-{Guid.NewGuid():N}";
        var options = new CoordinatorOptions { TimeProvider = clock };
        var crashed = await Coordinator.ConnectAsync(url, options);
        await using var next = await Coordinator.ConnectAsync(url, options);
        await crashed.CreateLock("x").AcquireAsync();
        clock.Advance(TimeSpan.FromMinutes(5));

        await crashed.DisposeAsync();
        clock.Advance(TimeSpan.FromMinutes(1));
        await using var handle = await next.CreateLock("x").AcquireAsync(TimeSpan.Zero);

        Assert.Equal(Start + TimeSpan.FromMinutes(5), handle.Takeover?.EndedAt);
        Assert.Equal(TakeoverReason.Abandoned, handle.Takeover?.Reason);
    }

    [Fact]
    public async Task ListLocksAsync_FakeClock_WaiterSinceIsWhenItStartedWaiting()
    {
        var clock = new FakeTimeProvider(Start);
        await using var coordinator = await Coordinator.ConnectAsync($"memory://clock-{Guid.NewGuid():N}", new CoordinatorOptions { TimeProvider = clock });
        await using var held = await coordinator.CreateLock("x").AcquireAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        var waiting = coordinator.CreateLock("x").AcquireAsync().AsTask();
        clock.Advance(TimeSpan.FromSeconds(5));

        var info = Assert.Single(await coordinator.ListLocksAsync());

        Assert.Equal(Start, info.Holders[0].Since);
        Assert.Equal(Start + TimeSpan.FromSeconds(10), Assert.Single(info.Waiters).Since);
        Assert.Equal(Start + TimeSpan.FromSeconds(15), info.ObservedAt);
        await held.DisposeAsync();
        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
