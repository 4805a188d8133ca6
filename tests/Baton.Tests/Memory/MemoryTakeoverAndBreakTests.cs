using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The takeover and break conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    protected override string BackendUrl => "memory://conformance-takeover";
}
