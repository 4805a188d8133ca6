using Xunit;

namespace Baton.Tests.Memory;

/// <summary><c>memory://SCOPE</c>: coordinators with the same URL share names, other scopes do not, and the URL takes nothing else.</summary>
public sealed class MemoryScopeTests
{
    [Fact]
    public async Task ConnectAsync_DifferentScopes_DoNotShareNames()
    {
        var suffix = Guid.NewGuid().ToString("N");
        await using var a = await Coordinator.ConnectAsync($"memory://scopeA-{suffix}");
        await using var b = await Coordinator.ConnectAsync($"memory://scopeB-{suffix}");
        await using var held = await a.CreateLock("x").AcquireAsync();

        await using var other = await b.CreateLock("x").TryAcquireAsync();

        Assert.NotNull(other);
        Assert.True(other.FencingToken > 0);
        Assert.Equal(a.Member, Assert.Single(await a.ListLocksAsync()).Holders[0].Member);
        Assert.Single(await b.ListLocksAsync());
        await other.DisposeAsync();
        Assert.Empty(await b.ListLocksAsync());
        Assert.Single(await a.ListLocksAsync());
    }

    [Fact]
    public async Task ConnectAsync_SameScope_SharesNames()
    {
        var scope = $"shared-{Guid.NewGuid():N}";
        await using var a = await Coordinator.ConnectAsync($"memory://{scope}");
        await using var b = await Coordinator.ConnectAsync($"memory://{scope}/");
        await using var held = await a.CreateLock("x").AcquireAsync();

        Assert.Null(await b.CreateLock("x").TryAcquireAsync());
        Assert.Single(await b.ListLocksAsync());
    }

    [Fact]
    public async Task ConnectAsync_DefaultScope_IsSharedByMemoryUrlsWithoutScope()
    {
        var name = $"default-{Guid.NewGuid():N}";
        await using var a = await Coordinator.ConnectAsync("memory://");
        await using var b = await Coordinator.ConnectAsync("memory:///");
        await using var scoped = await Coordinator.ConnectAsync($"memory://other-{Guid.NewGuid():N}");
        await using var held = await a.CreateLock(name).AcquireAsync();

        Assert.Null(await b.CreateLock(name).TryAcquireAsync());
        await using var elsewhere = await scoped.CreateLock(name).TryAcquireAsync();
        Assert.NotNull(elsewhere);
    }

    [Theory]
    [InlineData("memory://scope?ttl=15s", "ttl")]
    [InlineData("memory://?prefix=x", "prefix")]
    [InlineData("memory://scope/some/path", "memory://")]
    [InlineData("memory://user@scope", "memory://")]
    [InlineData("memory://a,b", "memory://")]
    public async Task ConnectAsync_OptionsOrPath_ThrowsArgumentExceptionSayingWhy(string url, string keyword)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.Contains(keyword, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_UrlWithPassword_MessageHidesThePassword()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync("memory://user:hunter2@scope").AsTask());

        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        Assert.Contains("memory://", e.Message, StringComparison.Ordinal);
    }
}
