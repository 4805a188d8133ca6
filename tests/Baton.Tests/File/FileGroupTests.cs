using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The group conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileGroupTests : GroupConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-group");

    protected override string BackendUrl => Url;

    // The kernel owns a live holder's file lock: nobody can break it (the takeover suite checks the refusal).
    protected override bool SupportsBreak => false;

    protected override bool SignalsLossOnBreak => false;
}
