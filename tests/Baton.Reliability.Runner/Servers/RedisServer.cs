using System.Globalization;

namespace Baton.Reliability.Servers;

/// <summary>redis-server with an append-only file synced at every write, so a crash keeps the locks and token counters.</summary>
internal sealed class RedisServer() : PrivateServer("redis")
{
    private readonly int _port = FreePort();

    public override string Url => $"redis://127.0.0.1:{_port}";

    protected override (string File, IReadOnlyList<string> Arguments) Command() =>
        ("redis-server", ["--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", DataDirectory,
            "--save", "", "--appendonly", "yes", "--appendfsync", "always"]);

    protected override async Task<bool> IsServingAsync() => (await AskAsync(_port, "PING\r\n"))?.StartsWith("+PONG", StringComparison.Ordinal) == true;
}
