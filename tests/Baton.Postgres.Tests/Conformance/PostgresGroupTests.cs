using Baton.Conformance;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>The group conformance suite on <c>postgres://</c>, against the test server.</summary>
public sealed class PostgresGroupTests : GroupConformanceTests
{
    protected override string BackendUrl => TestServer.Url;
}
