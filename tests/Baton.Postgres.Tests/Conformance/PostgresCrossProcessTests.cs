using Baton.Conformance.CrossProcess;
using Baton.Postgres.Tests.Support;

namespace Baton.Postgres.Tests.Conformance;

/// <summary>The cross-process conformance suite on <c>postgres://</c> with real holder processes (kill -9 included).</summary>
public sealed class PostgresCrossProcessTests : CrossProcessConformanceTests
{
    protected override string BackendUrl => TestServer.Url;

    protected override HolderProcessOptions CreateHolderOptions(string? memberId)
    {
        var options = base.CreateHolderOptions(memberId);
        options.ProviderAssemblies.Add(typeof(PostgresBackendProvider).Assembly.Location);
        return options;
    }
}
