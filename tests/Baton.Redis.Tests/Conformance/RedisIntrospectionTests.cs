using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The IntrospectionConformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisIntrospectionTests : IntrospectionConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("list");

    protected override string BackendUrl => Url;
}
