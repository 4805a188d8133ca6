using Xunit;

namespace Baton.Tests.Smoke;

public sealed class SmokeTests
{
    [Fact]
    public async Task Lock_HeldThenReleased_NextAcquires()
    {
        await using var c = await Coordinator.ConnectAsync("memory://smoke");
        var l = c.CreateLock("a");
        var h1 = await l.AcquireAsync();
        Assert.Null(await l.TryAcquireAsync());
        var waiting = l.AcquireAsync(TimeSpan.FromSeconds(5)).AsTask();
        Assert.False(waiting.IsCompleted);
        await h1.DisposeAsync();
        var h2 = await waiting;
        Assert.True(h2.FencingToken > h1.FencingToken);
        var listing = await c.ListLocksAsync();
        Assert.Single(listing);
        await h2.DisposeAsync();
    }
}
