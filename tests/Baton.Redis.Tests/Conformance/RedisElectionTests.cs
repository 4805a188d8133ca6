using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>
/// The election conformance suite on <c>redis://</c>, under a key prefix of its own. Elections are locks, which
/// publish no change notices here, so watchers read every <see cref="CoordinatorOptions.WatchPollInterval"/>.
/// </summary>
public sealed class RedisElectionTests : ElectionConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("election");

    protected override string BackendUrl => Url;
}
