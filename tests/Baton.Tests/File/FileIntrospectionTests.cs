using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The introspection conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileIntrospectionTests : IntrospectionConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-introspection");

    protected override string BackendUrl => Url;
}
