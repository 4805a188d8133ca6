using Xunit;

namespace Baton.Redis.Tests;

/// <summary>Bad URLs and options are clear ArgumentExceptions; an unreachable server is a BackendUnavailableException; no message shows a password.</summary>
public sealed class RedisUrlTests
{
    private const string Secret = "s3cr3t-Pa55";

    [Theory]
    [InlineData("redis://", "names no Redis server")]
    [InlineData("redis://a:1,b:2", "one server")]
    [InlineData("redis://127.0.0.1:99999", "port")]
    [InlineData("redis://127.0.0.1:abc", "port")]
    [InlineData("redis://127.0.0.1:6379/x", "database number")]
    [InlineData("redis://127.0.0.1:6379?ttl=forever", "ttl=forever")]
    [InlineData("redis://127.0.0.1:6379?ttl=10ms", "out of range")]
    [InlineData("redis://127.0.0.1:6379?prefix=a{b", "prefix")]
    [InlineData("redis://127.0.0.1:6379?colour=blue", "unknown option 'colour'")]
    public async Task ConnectAsync_BadUrl_ThrowsArgumentExceptionSayingWhat(string url, string expected)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://:" + Secret + "@127.0.0.1:6379?ttl=nope")]
    [InlineData("redis://user:" + Secret + "@127.0.0.1:6379/zz")]
    [InlineData("rediss://user:" + Secret + "@h:1,h:2")]
    public async Task ConnectAsync_BadUrlWithPassword_MessageHidesThePassword(string url)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsBackendUnavailableNamingTheServerWithoutPassword()
    {
        var port = await ClosedPortAsync();
        var url = $"redis://user:{Secret}@127.0.0.1:{port}/3?prefix=p:";

        var e = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("Redis", e.Message, StringComparison.Ordinal);
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            Assert.DoesNotContain(Secret, inner.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_WrongPassword_ThrowsBackendUnavailableWithoutThePassword()
    {
        await using var server = await PrivateRedisServer.StartAsync("--save", "", "--appendonly", "no", "--requirepass", "right-one");
        var url = $"redis://:{Secret}@127.0.0.1:{server.Port}";

        var e = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        await using var coordinator = await Coordinator.ConnectAsync($"redis://:right-one@127.0.0.1:{server.Port}/2?prefix=auth:");
        await using var handle = await coordinator.CreateLock("with-password").AcquireAsync(TimeSpan.FromSeconds(10));
        Assert.True(handle.FencingToken > 0);
        Assert.DoesNotContain("right-one", coordinator.BackendUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_Options_AreUsed()
    {
        await using var server = await PrivateRedisServer.StartAsync();
        await using var coordinator = await Coordinator.ConnectAsync($"{server.Url}/5?prefix=opts:&ttl=2s");

        await using var handle = await coordinator.CreateLock("n").AcquireAsync(TimeSpan.FromSeconds(10));

        await using var admin = await server.AdminAsync();
        var database = admin.GetDatabase(5);
        Assert.True(await database.KeyExistsAsync("opts:{l:n}:h"));
        Assert.True(await database.SetContainsAsync("opts:names", "opts:{l:n}"));
        var deadline = (await database.SortedSetRangeByRankWithScoresAsync("opts:{l:n}:e")).Single().Score;
        var serverNow = (long)(await admin.GetServers()[0].TimeAsync() - DateTime.UnixEpoch).TotalMilliseconds;
        Assert.InRange(deadline - serverNow, 500, 2_100);
        Assert.False(await admin.GetDatabase(0).KeyExistsAsync("opts:{l:n}:h"));
    }

    private static async Task<int> ClosedPortAsync()
    {
        // A port that was free a moment ago: nothing listens there.
        await using var server = await PrivateRedisServer.StartAsync();
        var port = server.Port;
        await server.KillAsync();
        return port;
    }
}
