using Baton.Conformance.CrossProcess;

namespace Baton.Redis.Tests.Conformance;

/// <summary>
/// The cross-process suite on <c>redis://</c> with real holder processes. Holds are leases here: a killed holder's
/// hold ends when its lease runs out, so the suite runs with a 2 s TTL and allows that plus slack.
/// </summary>
public sealed class RedisCrossProcessTests : CrossProcessConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("xproc", ttl: "2s");

    protected override string BackendUrl => Url;

    protected override bool CrashReleaseIsImmediate => false;

    protected override TimeSpan CrashReleaseWithin => TimeSpan.FromSeconds(8);
}
