using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The reader writer lock conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileReaderWriterLockTests : ReaderWriterLockConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-reader-writer-lock");

    protected override string BackendUrl => Url;
}
