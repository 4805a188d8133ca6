using Baton.Reliability.Harness;
using Baton.Reliability.Tests.Support;
using Xunit;

namespace Baton.Reliability.Tests.Faults;

/// <summary>
/// kill -9 of the leader of a private three-member etcd cluster and ZooKeeper ensemble mid-hold, the member started
/// again once the others have elected a new leader; kill -9 of every member at once, all started again; and the
/// refusal of those faults where there is no cluster.
/// </summary>
public sealed class ClusterFaultTests
{
    public static TheoryData<string, FaultKind> Cases => new()
    {
        { "etcd", FaultKind.LeaderKill },
        { "zookeeper", FaultKind.LeaderKill },
        { "etcd", FaultKind.ClusterCrash },
        { "zookeeper", FaultKind.ClusterCrash },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CrashMidHold_ThreeMemberCluster_NoViolation(string backend, FaultKind fault)
    {
        var result = await Runs.RunAsync(new RunSpec
        {
            Backend = $"{backend}://private?ttl=2s", Fault = fault, Processes = 3, Iterations = 4, FaultCount = 1,
            Hold = TimeSpan.FromMilliseconds(500), AcquireTimeout = TimeSpan.FromSeconds(20), Seed = Runs.Seed,
        });

        Runs.AssertClean(result, minimumFaults: 1);
    }

    [Fact]
    public async Task ClusterCrash_Postgres_RefusedNamingTheBackendsThatRunAsACluster()
    {
        var (spec, _) = RunnerArguments.Parse(["--backend", "postgres://127.0.0.1:1/db", "--fault", "cluster-crash"]);

        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => ReliabilityRun.ExecuteAsync(spec));

        Assert.Equal(FaultKind.ClusterCrash, spec.Fault);
        Assert.Contains("etcd or zookeeper", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaderKill_Redis_RefusedNamingTheBackendsThatHaveALeader()
    {
        var (spec, _) = RunnerArguments.Parse(["--backend", "redis://127.0.0.1:1", "--fault", "leader-kill"]);

        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => ReliabilityRun.ExecuteAsync(spec));

        Assert.Equal(FaultKind.LeaderKill, spec.Fault);
        Assert.Contains("--fault leader-kill with 'redis'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("etcd or zookeeper", refusal.Message, StringComparison.Ordinal);
    }
}
