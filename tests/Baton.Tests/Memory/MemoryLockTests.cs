using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The lock conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryLockTests : LockConformanceTests
{
    protected override string BackendUrl => "memory://conformance-locks";
}
