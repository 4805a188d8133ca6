using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The lock conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileLockTests : LockConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-lock");

    protected override string BackendUrl => Url;
}
