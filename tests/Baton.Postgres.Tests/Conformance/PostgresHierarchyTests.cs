using Baton.Conformance;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>The lock hierarchy conformance suite on <c>postgres://</c>, against the test server.</summary>
public sealed class PostgresHierarchyTests : HierarchyConformanceTests
{
    protected override string BackendUrl => TestServer.Url;
}
