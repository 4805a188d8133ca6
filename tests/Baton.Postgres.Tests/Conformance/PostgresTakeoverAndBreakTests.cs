using Baton.Conformance;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>The takeover and break conformance suite on <c>postgres://</c>.</summary>
public sealed class PostgresTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    protected override string BackendUrl => TestServer.Url;

    /// <summary>An advisory lock belongs to its session: only the session's end frees it (see docs/backends/postgres.md).</summary>
    protected override bool SupportsBreak => false;

    protected override bool SignalsLossOnBreak => false;
}
