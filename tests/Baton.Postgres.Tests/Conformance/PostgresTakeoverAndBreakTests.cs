using Baton.Conformance;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>
/// The takeover and break conformance suite on <c>postgres://</c>. A break is let go by the holder's coordinator at
/// its next check (every second by default), so these tests take about that long each.
/// </summary>
public sealed class PostgresTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    protected override string BackendUrl => TestServer.Url;
}
