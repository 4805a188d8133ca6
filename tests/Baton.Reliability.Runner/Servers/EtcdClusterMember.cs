namespace Baton.Reliability.Servers;

/// <summary>
/// A member of a private etcd cluster on 127.0.0.1. Started again on its data directory it rejoins the cluster it
/// belonged to (etcd ignores the initial-cluster options once the directory holds a member).
/// </summary>
internal sealed class EtcdClusterMember(string name, int port, int peerPort, string initialCluster, string clusterToken) : ClusterMember("etcd")
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The <c>--initial-cluster</c> entry of a member.</summary>
    public static string PeerEntry(string name, int peerPort) => $"{name}=http://127.0.0.1:{peerPort}";

    public override string Endpoint => $"127.0.0.1:{port}";

    public override string Url => $"etcd://{Endpoint}";

    public override async Task<bool> IsLeaderAsync()
    {
        try
        {
            // etcd 3.4 serves Prometheus metrics on the client port; the v2 statistics are off by default.
            var metrics = await Http.GetStringAsync(new Uri($"http://{Endpoint}/metrics"));
            return metrics.Split('\n').Any(line => line.Trim() == "etcd_server_is_leader 1");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    protected override (string File, IReadOnlyList<string> Arguments) Command() =>
        ("etcd", ["--name", name, "--data-dir", DataDirectory, "--log-level", "error",
            "--listen-client-urls", $"http://{Endpoint}", "--advertise-client-urls", $"http://{Endpoint}",
            "--listen-peer-urls", $"http://127.0.0.1:{peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peerPort}",
            "--initial-cluster", initialCluster, "--initial-cluster-token", clusterToken]);

    // Healthy means: this member serves and sees a leader.
    protected override async Task<bool> IsServingAsync() =>
        (await AskAsync(port, "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"))?.Contains("\"health\":\"true\"", StringComparison.Ordinal) == true;
}
