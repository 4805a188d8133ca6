using Baton.Conformance;

namespace Baton.Tests.Memory;

/// <summary>The reader-writer lock conformance suite on <c>memory://</c>, in a scope of its own.</summary>
public sealed class MemoryReaderWriterLockTests : ReaderWriterLockConformanceTests
{
    protected override string BackendUrl => "memory://conformance-rw";
}
