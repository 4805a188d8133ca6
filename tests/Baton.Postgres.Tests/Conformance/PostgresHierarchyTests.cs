using Baton.Conformance;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>The lock hierarchy conformance suite on <c>postgres://</c>, against the test server.</summary>
public sealed class PostgresHierarchyTests : HierarchyConformanceTests
{
    protected override string BackendUrl => TestServer.Url;

    // Shared and exclusive holds contended across several names are slow on this backend: the stress test's load
    // through the core's reader-writer locks alone, without the hierarchy, took 48 s with single waits up to 14 s
    // (6 flows, 8 rounds; Redis: 2 s). A smaller load keeps this a test of deadlock freedom, not of that speed.
    protected override int StressFlows => 3;

    protected override int StressRounds => 3;

    protected override TimeSpan StressWait => TimeSpan.FromSeconds(30);
}
