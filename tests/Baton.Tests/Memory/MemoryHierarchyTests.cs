using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The lock hierarchy conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryHierarchyTests : HierarchyConformanceTests
{
    protected override string BackendUrl => "memory://conformance-hierarchy";
}
