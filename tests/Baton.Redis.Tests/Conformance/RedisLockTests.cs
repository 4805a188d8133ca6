using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The LockConformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisLockTests : LockConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("lock");

    protected override string BackendUrl => Url;
}
