using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The election conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryElectionTests : ElectionConformanceTests
{
    protected override string BackendUrl => "memory://conformance-elections";
}
