using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.Redis.Tests;

/// <summary>
/// A redis-server of one test's own, on a free port of 127.0.0.1, in a temporary directory: for tests that stop,
/// kill or restart the server, or count its clients and commands, without disturbing the shared one. Stopped (by
/// its process id) and removed on disposal.
/// </summary>
internal sealed class PrivateRedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(20);

    private readonly string[] _arguments;
    private Process? _process;

    private PrivateRedisServer(int port, string directory, string[] arguments)
    {
        Port = port;
        Directory = directory;
        _arguments = arguments;
    }

    public int Port { get; }

    public string Directory { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>Starts a server with these extra arguments (default: no persistence at all).</summary>
    public static async Task<PrivateRedisServer> StartAsync(params string[] arguments)
    {
        var directory = Path.Combine(Path.GetTempPath(), "baton-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new PrivateRedisServer(FreePort(), directory, arguments.Length == 0 ? ["--save", "", "--appendonly", "no"] : arguments);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server again on the same port and directory (an AOF there is replayed).</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        foreach (var argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory, .. _arguments])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed; scripts/servers/redis.sh installs it (run the tests through scripts/test.sh).", e);
        }

        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var waited = Stopwatch.StartNew();
        while (!await PingAsync())
        {
            if (_process.HasExited || waited.Elapsed > StartPatience)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartPatience} (exited: {_process.HasExited}).");
            }

            // Waiting for a server to come up: nothing signals it but its answer.
            await Task.Delay(20);
        }
    }

    /// <summary>Kills the server at once (SIGKILL): no shutdown, no save.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>A client of the server for inspecting it (admin commands allowed); dispose it.</summary>
    public Task<StackExchange.Redis.ConnectionMultiplexer> AdminAsync() =>
        StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true,name=baton-test-admin");

    /// <summary>Sends one command (inline form) and returns the raw reply text.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"));
        var buffer = new byte[1 << 20];
        var text = new StringBuilder();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        do
        {
            var read = await stream.ReadAsync(buffer, cancel.Token);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        while (!IsComplete(text.ToString()));

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsComplete(string reply) =>
        reply.Length > 0 && reply[0] switch
        {
            '$' => reply.IndexOf("\r\n", StringComparison.Ordinal) is var header and > 0
                   && int.Parse(reply.AsSpan(1, header - 1), System.Globalization.CultureInfo.InvariantCulture) is var length
                   && (length < 0 || reply.Length >= header + 2 + length + 2),
            _ => reply.EndsWith("\r\n", StringComparison.Ordinal),
        };

    private async Task<bool> PingAsync()
    {
        try
        {
            var reply = await CommandAsync("PING");
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
