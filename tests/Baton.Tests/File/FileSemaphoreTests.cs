using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The semaphore conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileSemaphoreTests : SemaphoreConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-semaphore");

    protected override string BackendUrl => Url;
}
