using Xunit;

namespace Baton.Hostile.Tests.Servers;

/// <summary>
/// A known crash in a dependency, kept here so that it is re-checked when the dependency moves. StackExchange.Redis
/// 3.4.35 (its RESPite reader) ends the whole process with an AccessViolationException, which no catch can stop, when a
/// server announces a blob (<c>$</c>, <c>=</c> or <c>!</c>, also inside an array) whose length is within a few bytes of
/// int.MaxValue: the length plus the reader's offset overflows. Any process using redis:// can be ended by a hostile
/// server, or a man in the middle of a connection without TLS. 2,000,000,000 bytes and Redis's own maximum (512 MB)
/// are handled (GarbageServerTests). Run this alone to see it: it takes the test host down with it.
/// </summary>
public sealed class KnownClientCrashTests
{
    [Fact(Skip = "Crashes the test host: StackExchange.Redis 3.4.35 reads outside its buffer on a blob length near int.MaxValue. Unskip to check a newer version.")]
    public async Task ConnectAsync_RedisServerAnnouncesABlobOfIntMaxValue_BackendUnavailableRatherThanACrash()
    {
        await using var server = new GarbageServer("redis-intmax", Misbehaviour.HugeLength, seed: 0);

        var error = await GarbageServerTests.ConnectAndAcquireAsync(
            GarbageServerTests.Url("redis", server.Port), new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(2) }, CancellationToken.None);

        Assert.IsType<BackendUnavailableException>(error);
    }
}
