using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The NameConformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisNameTests : NameConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("names");

    protected override string BackendUrl => Url;
}
