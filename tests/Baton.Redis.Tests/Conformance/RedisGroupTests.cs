using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The group conformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisGroupTests : GroupConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("group");

    protected override string BackendUrl => Url;
}
