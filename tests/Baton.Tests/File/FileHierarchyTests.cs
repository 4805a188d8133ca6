using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The lock hierarchy conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileHierarchyTests : HierarchyConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-hierarchy");

    protected override string BackendUrl => Url;
}
