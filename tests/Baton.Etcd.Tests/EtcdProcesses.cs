using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

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

    /// <summary>The next output line; fails when etcdctl ends first or none comes within <paramref name="timeout"/>.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await _process.StandardOutput.ReadLineAsync(cancel.Token)
            ?? throw new InvalidOperationException($"etcdctl ended: {await _process.StandardError.ReadToEndAsync()}");
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
/// A private etcd cluster (one member or several) that a test may kill and start again (the shared one must stay
/// up): free ports on 127.0.0.1, data directories on tmpfs that survive restarts and are deleted at the end.
/// </summary>
internal sealed class PrivateEtcd : IAsyncDisposable
{
    private readonly Member[] _members;
    private readonly TlsFiles? _tls;

    private PrivateEtcd(int size, TlsFiles? tls)
    {
        _tls = tls;
        var id = Guid.NewGuid().ToString("N");
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _members = [.. Enumerable.Range(0, size).Select(i => new Member($"m{i}", Path.Combine(root, $"baton-etcd-test-{id}-{i}"), FreePort(), FreePort()))];
    }

    /// <summary>host:port of every member, comma-separated (etcdctl's --endpoints, and the URL's host list).</summary>
    public string Endpoints => string.Join(',', _members.Select(m => m.Endpoint));

    public string Url(string query) => $"etcd://{Endpoints}?{query}";

    public static async Task<PrivateEtcd> StartAsync(int size = 1, TlsFiles? tls = null)
    {
        var etcd = new PrivateEtcd(size, tls);
        await etcd.StartAgainAsync();
        return etcd;
    }

    /// <summary>The endpoints as etcdctl takes them (with https:// when the members serve TLS).</summary>
    private string EtcdctlEndpoints => _tls is null ? Endpoints : string.Join(',', _members.Select(m => "https://" + m.Endpoint));

    /// <summary>Starts every member (again, on the same data: leases and keys survive, as after a crash).</summary>
    public async Task StartAgainAsync()
    {
        var cluster = string.Join(',', _members.Select(m => $"{m.Name}=http://127.0.0.1:{m.PeerPort}"));
        foreach (var member in _members)
        {
            member.Start(cluster, _tls);
        }

        var deadline = Stopwatch.StartNew();
        string[] health = _tls is null
            ? ["--command-timeout=1s", "endpoint", "health"]
            : [$"--cacert={_tls.Ca}", "--command-timeout=1s", "endpoint", "health"];
        while ((await Etcdctl.RunAsync(EtcdctlEndpoints, health)).ExitCode != 0)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _members.Any(m => m.HasExited))
            {
                throw new InvalidOperationException($"The private etcd on {Endpoints} did not become healthy.");
            }
        }
    }

    /// <summary>The index of the member that is the raft leader now.</summary>
    public async Task<int> LeaderAsync()
    {
        var (_, json) = await Etcdctl.RunAsync(Endpoints, "--command-timeout=2s", "endpoint", "status", "-w", "json");
        using var document = JsonDocument.Parse(json);
        foreach (var status in document.RootElement.EnumerateArray())
        {
            var inner = status.GetProperty("Status");
            if (inner.GetProperty("leader").GetUInt64() == inner.GetProperty("header").GetProperty("member_id").GetUInt64())
            {
                var endpoint = status.GetProperty("Endpoint").GetString();
                return Array.FindIndex(_members, m => m.Endpoint == endpoint);
            }
        }

        throw new InvalidOperationException($"No leader among {Endpoints}: {json}");
    }

    /// <summary>kill -9 of one member.</summary>
    public Task KillMemberAsync(int index) => _members[index].KillAsync();

    /// <summary>kill -9 of every member.</summary>
    public async Task KillAsync()
    {
        foreach (var member in _members)
        {
            await member.KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        foreach (var member in _members)
        {
            member.Delete();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Member(string name, string data, int port, int peerPort)
    {
        private Process? _process;

        public string Name => name;

        public int PeerPort => peerPort;

        public string Endpoint => $"127.0.0.1:{port}";

        public bool HasExited => _process?.HasExited ?? true;

        public void Start(string cluster, TlsFiles? tls)
        {
            var info = new ProcessStartInfo("etcd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            var scheme = tls is null ? "http" : "https";
            if (tls is not null)
            {
                foreach (var argument in new[] { "--cert-file", tls.Certificate, "--key-file", tls.Key })
                {
                    info.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in new[]
            {
                "--name", name, "--data-dir", data, "--log-level", "error",
                "--listen-client-urls", $"{scheme}://{Endpoint}", "--advertise-client-urls", $"{scheme}://{Endpoint}",
                "--listen-peer-urls", $"http://127.0.0.1:{peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peerPort}",
                "--initial-cluster", cluster, "--initial-cluster-token", Path.GetFileName(data)[..^2],
            })
            {
                info.ArgumentList.Add(argument);
            }

            _process?.Dispose();
            _process = Process.Start(info) ?? throw new InvalidOperationException("etcd did not start.");
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task KillAsync()
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }

        public void Delete()
        {
            _process?.Dispose();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}

/// <summary>A test CA and a server certificate for 127.0.0.1 signed by it, made with openssl in a directory of their own.</summary>
internal sealed record TlsFiles(string Directory, string Ca, string Certificate, string Key) : IDisposable
{
    public static async Task<TlsFiles> CreateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("baton-etcd-tls-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "ext"), "subjectAltName=IP:127.0.0.1\n");
        foreach (var command in new[]
        {
            "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=baton-test-ca",
            "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1",
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile ext",
        })
        {
            var info = new ProcessStartInfo("openssl") { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in command.Split(' '))
            {
                info.ArgumentList.Add(argument);
            }

            using var openssl = Process.Start(info)!;
            var error = await openssl.StandardError.ReadToEndAsync();
            await openssl.WaitForExitAsync();
            if (openssl.ExitCode != 0)
            {
                throw new InvalidOperationException($"openssl {command} failed: {error}");
            }
        }

        return new TlsFiles(directory, Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
