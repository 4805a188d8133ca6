using Baton.Conformance.CrossProcess;

namespace Baton.Tests.Files;

/// <summary>The cross-process conformance suite on <c>file://</c> with real holder processes (kill -9 included).</summary>
public sealed class FileCrossProcessTests : CrossProcessConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("cross-process");

    protected override string BackendUrl => Url;
}
