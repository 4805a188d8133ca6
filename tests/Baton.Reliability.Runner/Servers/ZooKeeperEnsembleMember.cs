using System.Globalization;
using System.Net;

namespace Baton.Reliability.Servers;

/// <summary>
/// A server of a private ZooKeeper ensemble: its <c>myid</c>, and a configuration listing every server of the ensemble.
/// Started again on its data directory it rejoins the ensemble as a follower of whoever leads then.
/// </summary>
internal sealed class ZooKeeperEnsembleMember : ClusterMember
{
    // Debian's zookeeper.jar lists its dependencies in its manifest (as scripts/servers/zookeeper.sh uses it).
    private static readonly string ClassPath = Environment.GetEnvironmentVariable("BATON_ZOOKEEPER_CLASSPATH") is { Length: > 0 } path
        ? path
        : "/usr/share/java/zookeeper.jar";

    private readonly IPAddress _host;
    private readonly int _port;

    /// <param name="id">The server's id (its myid, 1 to 255).</param>
    /// <param name="host">The loopback address every server of the ensemble listens on.</param>
    /// <param name="port">The client port.</param>
    /// <param name="servers">The ensemble's <c>server.N=host:peer:election</c> lines.</param>
    public ZooKeeperEnsembleMember(int id, IPAddress host, int port, string servers)
        : base("zookeeper")
    {
        _host = host;
        _port = port;
        File.WriteAllText(Path.Combine(DataDirectory, "myid"), id.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(ConfigFile, $"""
            tickTime=500
            initLimit=10
            syncLimit=5
            dataDir={DataDirectory}
            clientPort={port}
            clientPortAddress={host}
            admin.enableServer=false
            4lw.commands.whitelist=ruok,srvr
            maxClientCnxns=0
            maxSessionTimeout=60000
            {servers}
            """);
    }

    public override string Endpoint => $"{_host}:{_port}";

    public override string Url => $"zookeeper://{Endpoint}";

    private string ConfigFile => Path.Combine(DataDirectory, "zoo.cfg");

    public override async Task<bool> IsLeaderAsync() => (await ServerStatusAsync())?.Contains("Mode: leader", StringComparison.Ordinal) == true;

    protected override (string File, IReadOnlyList<string> Arguments) Command() =>
        ("java", ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", ClassPath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", ConfigFile]);

    // A server of an ensemble has a mode (leader or follower) only while it belongs to a quorum.
    protected override async Task<bool> IsServingAsync() => (await ServerStatusAsync())?.Contains("Mode: ", StringComparison.Ordinal) == true;

    private Task<string?> ServerStatusAsync() => AskAsync(_host, _port, "srvr", untilClosed: true);
}
