using Baton.Reliability.Harness;
using Baton.Reliability.Tests.Support;
using Xunit;
using Baton.Conformance.Servers;

namespace Baton.Reliability.Tests.Faults;

/// <summary>
/// Per network backend: kill -9 of a holder (lease backends with a 2 s lease, so the takeover waits about that long),
/// and a crash and restart of a private server of the backend mid-hold.
/// </summary>
public sealed class NetworkFaultTests
{
    public static TheoryData<string> Backends => ["redis", "postgres", "etcd", "zookeeper"];

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task KillHolder_NetworkBackend_NextHolderTakesOverWithoutViolation(string backend)
    {
        var result = await Runs.RunAsync(new RunSpec
        {
            Backend = LeaseOption(SharedUrl(backend), backend), Fault = FaultKind.Kill, Processes = 3, Iterations = 10, FaultCount = 1,

            // Holds of 100 ms: 3 s of open sections, so that a fault injector starved on a loaded machine still finds one.
            Hold = TimeSpan.FromMilliseconds(100), Seed = Runs.Seed,
        });

        Runs.AssertClean(result, minimumFaults: 1);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RestartServer_MidHold_NoViolation(string backend)
    {
        var result = await Runs.RunAsync(new RunSpec
        {
            Backend = LeaseOption($"{backend}://private", backend), Fault = FaultKind.Restart, Processes = 3, Iterations = 4, FaultCount = 1,
            Hold = TimeSpan.FromMilliseconds(500), AcquireTimeout = TimeSpan.FromSeconds(20), Seed = Runs.Seed,
        });

        Runs.AssertClean(result, minimumFaults: 1);
    }

    /// <summary>A 2 s lease where the backend has leases (PostgreSQL's locks end with the session instead).</summary>
    private static string LeaseOption(string url, string backend) => backend == "postgres" ? url : TestServerUrls.With(url, "ttl=2s");

    private static string SharedUrl(string backend) => backend switch
    {
        "redis" => TestServerUrls.Redis,
        "postgres" => TestServerUrls.Postgres,
        "etcd" => TestServerUrls.Etcd,
        _ => TestServerUrls.ZooKeeper,
    };
}
