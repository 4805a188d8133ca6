using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The name conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryNameTests : NameConformanceTests
{
    protected override string BackendUrl => "memory://conformance-names";
}
