using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Baton.Tests.Core;

/// <summary>Timeouts run on the coordinator's TimeProvider, so they are tested without waiting.</summary>
public sealed class TimeProviderTests
{
    [Fact]
    public async Task TryAcquireAsync_FakeClock_TimesOutOnlyWhenTheClockPassesTheTimeout()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var coordinator = await Coordinator.ConnectAsync("memory://fake-time", new CoordinatorOptions { TimeProvider = clock });
        var name = $"fake-{Guid.NewGuid():N}";
        await using var held = await coordinator.CreateLock(name).AcquireAsync();

        var waiting = coordinator.CreateLock(name).TryAcquireAsync(TimeSpan.FromHours(1)).AsTask();
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(waiting.IsCompleted);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty((await coordinator.ListLocksAsync()).Single(l => l.Name == name).Waiters);
    }

    [Fact]
    public async Task ListLocksAsync_FakeClock_ReportsSinceAndObservedAtFromThatClock()
    {
        var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var clock = new FakeTimeProvider(start);
        await using var coordinator = await Coordinator.ConnectAsync("memory://fake-time", new CoordinatorOptions { TimeProvider = clock });
        var name = $"fake-{Guid.NewGuid():N}";
        await using var held = await coordinator.CreateLock(name).AcquireAsync();
        clock.Advance(TimeSpan.FromSeconds(42));

        var info = (await coordinator.ListLocksAsync()).Single(l => l.Name == name);

        Assert.Equal(start, info.Holders[0].Since);
        Assert.Equal(TimeSpan.FromSeconds(42), info.ObservedAt - info.Holders[0].Since);
    }

    [Fact]
    public async Task AcquireAsync_FakeClockTimeout_ThrowsTimeoutExceptionNamingTheLock()
    {
        var clock = new FakeTimeProvider();
        await using var coordinator = await Coordinator.ConnectAsync("memory://fake-time", new CoordinatorOptions { TimeProvider = clock });
        var name = $"fake-{Guid.NewGuid():N}";
        await using var held = await coordinator.CreateLock(name).AcquireAsync();

        var waiting = coordinator.CreateLock(name).AcquireAsync(TimeSpan.FromSeconds(30)).AsTask();
        clock.Advance(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }
}
