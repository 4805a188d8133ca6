namespace Baton.Reliability.Servers;

/// <summary>A standalone ZooKeeper; its snapshot and transaction log (sessions, nodes, zxids) survive the restart.</summary>
internal sealed class ZooKeeperServer : PrivateServer
{
    // Debian's zookeeper.jar lists its dependencies in its manifest (as scripts/servers/zookeeper.sh uses it).
    private static readonly string ClassPath = Environment.GetEnvironmentVariable("BATON_ZOOKEEPER_CLASSPATH") is { Length: > 0 } path
        ? path
        : "/usr/share/java/zookeeper.jar";

    private readonly int _port = FreePort();

    public ZooKeeperServer()
        : base("zookeeper") =>
        File.WriteAllText(ConfigFile, $"""
            tickTime=500
            dataDir={DataDirectory}
            clientPort={_port}
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            4lw.commands.whitelist=ruok,srvr
            maxClientCnxns=0
            maxSessionTimeout=60000

            """);

    public override string Url => $"zookeeper://127.0.0.1:{_port}";

    private string ConfigFile => Path.Combine(DataDirectory, "zoo.cfg");

    protected override (string File, IReadOnlyList<string> Arguments) Command() =>
        ("java", ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", ClassPath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", ConfigFile]);

    protected override async Task<bool> IsServingAsync() => (await AskAsync(_port, "srvr"))?.Contains("Mode: ", StringComparison.Ordinal) == true;
}
