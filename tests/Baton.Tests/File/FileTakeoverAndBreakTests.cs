using Baton.Conformance;

namespace Baton.Tests.Files;

/// <summary>The takeover and break conformance suite on <c>file://</c>, in a lock directory of its own.</summary>
public sealed class FileTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    private static readonly string Url = TestDirectories.NewUrl("conformance-takeover-and-break");

    protected override string BackendUrl => Url;

    /// <summary>The kernel owns a live holder's lock: nobody but the holder (or its death) ends it.</summary>
    protected override bool SupportsBreak => false;

    protected override bool SignalsLossOnBreak => false;
}
