using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The takeover and break suite on <c>redis://</c>: a lease backend breaks live holders and tells them at once.</summary>
public sealed class RedisTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("takeover");

    protected override string BackendUrl => Url;
}
