using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The introspection conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryIntrospectionTests : IntrospectionConformanceTests
{
    protected override string BackendUrl => "memory://conformance-introspection";
}
