using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Baton.Etcd.Tests;

/// <summary>etcd's own command-line client, run as a real process.</summary>
internal sealed class Etcdctl : IAsyncDisposable
{
    private readonly Process _process;

    private Etcdctl(Process process) => _process = process;

    public Process Process => _process;

    /// <summary>Starts <c>etcdctl ARGS…</c> against <paramref name="endpoint"/> (API v3), with stdin and stdout piped.</summary>
    public static Etcdctl Start(string endpoint, params string[] arguments)
    {
        var info = new ProcessStartInfo("etcdctl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ETCDCTL_API"] = "3";
        info.ArgumentList.Add($"--endpoints={endpoint}");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new Etcdctl(Process.Start(info) ?? throw new InvalidOperationException("etcdctl did not start."));
    }

    /// <summary>Runs etcdctl to the end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string endpoint, params string[] arguments)
    {
        await using var etcdctl = Start(endpoint, arguments);
        etcdctl.Process.StandardInput.Close();
        var output = await etcdctl.Process.StandardOutput.ReadToEndAsync();
        await etcdctl.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (etcdctl.Process.ExitCode, output);
    }

    /// <summary>Reads output lines until one equals <paramref name="line"/>.</summary>
    public async Task WaitForLineAsync(string line, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await _process.StandardOutput.ReadLineAsync(cancel.Token) is { } read)
        {
            if (read.Trim() == line)
            {
                return;
            }
        }

        throw new InvalidOperationException($"etcdctl ended without printing '{line}': {await _process.StandardError.ReadToEndAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>
/// A private single-member etcd that a test may stop and start again (the shared one must stay up): a free port
/// pair on 127.0.0.1, a data directory on tmpfs that survives restarts and is deleted at the end.
/// </summary>
internal sealed class PrivateEtcd : IAsyncDisposable
{
    private readonly string _data = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"baton-etcd-test-{Guid.NewGuid():N}");
    private readonly int _peerPort = FreePort();
    private Process? _process;

    public int Port { get; } = FreePort();

    public string Endpoint => $"127.0.0.1:{Port}";

    public string Url(string query) => $"etcd://{Endpoint}?{query}";

    public static async Task<PrivateEtcd> StartAsync()
    {
        var etcd = new PrivateEtcd();
        await etcd.StartAgainAsync();
        return etcd;
    }

    /// <summary>Starts the member (again, on the same data: leases and keys survive, as after a crash).</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo("etcd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "--name", "private", "--data-dir", _data, "--log-level", "error",
            "--listen-client-urls", $"http://{Endpoint}", "--advertise-client-urls", $"http://{Endpoint}",
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
            "--initial-cluster", $"private=http://127.0.0.1:{_peerPort}",
        })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("etcd did not start.");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while ((await Etcdctl.RunAsync(Endpoint, "--command-timeout=1s", "endpoint", "health")).ExitCode != 0)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
            {
                throw new InvalidOperationException($"The private etcd on {Endpoint} did not become healthy.");
            }
        }
    }

    /// <summary>kill -9 of the member.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
