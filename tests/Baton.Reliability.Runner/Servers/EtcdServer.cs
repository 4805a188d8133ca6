namespace Baton.Reliability.Servers;

/// <summary>A one-member etcd; its data directory (keys, leases, revisions) survives the restart.</summary>
internal sealed class EtcdServer() : PrivateServer("etcd")
{
    private readonly int _port = FreePort();
    private readonly int _peerPort = FreePort();

    public override string Url => $"etcd://127.0.0.1:{_port}";

    protected override (string File, IReadOnlyList<string> Arguments) Command() =>
        ("etcd", ["--name", "n1", "--data-dir", DataDirectory,
            "--listen-client-urls", $"http://127.0.0.1:{_port}", "--advertise-client-urls", $"http://127.0.0.1:{_port}",
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
            "--initial-cluster", $"n1=http://127.0.0.1:{_peerPort}"]);

    protected override async Task<bool> IsServingAsync() =>
        (await AskAsync(_port, "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"))?.Contains("\"health\":\"true\"", StringComparison.Ordinal) == true;
}
