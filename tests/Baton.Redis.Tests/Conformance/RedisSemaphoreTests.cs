using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The SemaphoreConformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisSemaphoreTests : SemaphoreConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("sem");

    protected override string BackendUrl => Url;
}
