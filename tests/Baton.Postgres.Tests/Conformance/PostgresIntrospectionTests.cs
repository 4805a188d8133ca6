using Baton.Conformance;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>The Introspection conformance suite on <c>postgres://</c>, against the test server.</summary>
public sealed class PostgresIntrospectionTests : IntrospectionConformanceTests
{
    protected override string BackendUrl => TestServer.Url;
}
