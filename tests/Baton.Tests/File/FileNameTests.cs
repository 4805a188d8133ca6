using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The name conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileNameTests : NameConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-name");

    protected override string BackendUrl => Url;
}
