using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The lock hierarchy conformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisHierarchyTests : HierarchyConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("hierarchy");

    protected override string BackendUrl => Url;
}
