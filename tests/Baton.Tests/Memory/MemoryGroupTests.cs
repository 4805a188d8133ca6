using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The group conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryGroupTests : GroupConformanceTests
{
    protected override string BackendUrl => "memory://conformance-groups";
}
