using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The semaphore conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemorySemaphoreTests : SemaphoreConformanceTests
{
    protected override string BackendUrl => "memory://conformance-semaphores";
}
