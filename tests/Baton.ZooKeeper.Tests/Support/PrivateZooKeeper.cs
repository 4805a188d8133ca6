using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Baton.ZooKeeper.Client;

namespace Baton.ZooKeeper.Tests.Support;

/// <summary>The tests that start private servers run one at a time, after the others.</summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivateServers
{
    public const string Name = "private ZooKeeper servers";
}

/// <summary>
/// A private ZooKeeper (standalone, or an ensemble of three) that a test may kill, pause and start again (the shared
/// one must stay up): free ports on a loopback address of its own, data directories on tmpfs that survive restarts and are deleted at the
/// end, every process killed by its id at dispose.
/// </summary>
internal sealed class PrivateZooKeeper : IAsyncDisposable
{
    // Debian's zookeeper.jar lists its dependencies in its manifest (see scripts/servers/zookeeper.sh).
    private static readonly string ClassPath = Environment.GetEnvironmentVariable("BATON_ZOOKEEPER_CLASSPATH") is { Length: > 0 } path
        ? path
        : "/usr/share/java/zookeeper.jar";

    private readonly string _directory;
    private readonly Member[] _members;

    private PrivateZooKeeper(string directory, Member[] members)
    {
        _directory = directory;
        _members = members;
    }

    public IReadOnlyList<DnsEndPoint> Servers => [.. _members.Select(m => new DnsEndPoint(m.Host, m.ClientPort))];

    public int Count => _members.Length;

    /// <summary>Starts <paramref name="count"/> servers (1: standalone) and waits until each serves clients.</summary>
    public static async Task<PrivateZooKeeper> StartAsync(int count = 1)
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var directory = Path.Combine(root, $"baton-zk-test-{Guid.NewGuid():N}");
        // An address of its own in 127/8: while a killed server is down, no other process on this shared machine (another
        // suite's servers, or some client's ephemeral port) can take its port, and a restart finds it free.
        var host = $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";
        var ports = FreePorts(host, count * 3);
        var members = Enumerable.Range(0, count)
            .Select(i => new Member(i + 1, host, Path.Combine(directory, $"{i + 1}"), ports[i * 3], ports[(i * 3) + 1], ports[(i * 3) + 2]))
            .ToArray();
        var servers = count == 1 ? string.Empty : string.Concat(members.Select(m => $"server.{m.Id}={host}:{m.PeerPort}:{m.ElectionPort}\n"));
        foreach (var member in members)
        {
            Directory.CreateDirectory(member.DataDirectory);
            await File.WriteAllTextAsync(Path.Combine(member.DataDirectory, "myid"), member.Id.ToString(CultureInfo.InvariantCulture));
            await File.WriteAllTextAsync(member.ConfigFile, $"""
                tickTime=500
                initLimit=10
                syncLimit=5
                dataDir={member.DataDirectory}
                clientPort={member.ClientPort}
                clientPortAddress={host}
                admin.enableServer=false
                4lw.commands.whitelist=ruok,srvr
                maxClientCnxns=0
                maxSessionTimeout=60000
                {servers}
                """);
        }

        var zookeeper = new PrivateZooKeeper(directory, members);
        try
        {
            foreach (var member in members)
            {
                member.Start();
            }

            foreach (var member in members)
            {
                await member.WaitServingAsync(TimeSpan.FromSeconds(60));
            }

            return zookeeper;
        }
        catch
        {
            await zookeeper.DisposeAsync();
            throw;
        }
    }

    public ZooKeeperClientOptions Options(TimeSpan sessionTimeout, IReadOnlyList<DnsEndPoint>? servers = null) => new()
    {
        Servers = servers ?? Servers,
        SessionTimeout = sessionTimeout,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public int IndexOf(DnsEndPoint endpoint) => Array.FindIndex(_members, m => m.ClientPort == endpoint.Port);

    /// <summary>kill -9, and wait until the process is gone.</summary>
    public Task KillAsync(int index) => _members[index].KillAsync();

    /// <summary>Starts a killed server again on its data directory and port, and waits until it serves.</summary>
    public async Task RestartAsync(int index)
    {
        _members[index].Start();
        await _members[index].WaitServingAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGSTOP: the server keeps its sockets but answers nothing.</summary>
    public Task PauseAsync(int index) => _members[index].SignalAsync("STOP");

    /// <summary>SIGCONT.</summary>
    public Task ResumeAsync(int index) => _members[index].SignalAsync("CONT");

    /// <summary>The <c>srvr</c> mode of a server: standalone, leader or follower; null when not serving.</summary>
    public async Task<string?> ModeAsync(int index)
    {
        var answer = await FourLetterWordAsync(_members[index].Host, _members[index].ClientPort, "srvr");
        var line = answer?.Split('\n').FirstOrDefault(l => l.StartsWith("Mode: ", StringComparison.Ordinal));
        return line?["Mode: ".Length..].Trim();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.SignalAsync("CONT");
            await member.KillAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort on tmpfs.
        }
    }

    private static async Task<string?> FourLetterWordAsync(string host, int port, string word)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Parse(host), port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(word), timeout.Token);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            return await reader.ReadToEndAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static int[] FreePorts(string host, int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Parse(host), 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private sealed class Member(int id, string host, string dataDirectory, int clientPort, int peerPort, int electionPort)
    {
        private Process? _process;

        public int Id => id;

        public string Host => host;

        public string DataDirectory => dataDirectory;

        public string ConfigFile => Path.Combine(dataDirectory, "zoo.cfg");

        public int ClientPort => clientPort;

        public int PeerPort => peerPort;

        public int ElectionPort => electionPort;

        public void Start()
        {
            var info = new ProcessStartInfo("java")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", ClassPath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", ConfigFile })
            {
                info.ArgumentList.Add(argument);
            }

            _process = Process.Start(info) ?? throw new InvalidOperationException("java did not start.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task WaitServingAsync(TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < timeout)
            {
                if (_process is { HasExited: true })
                {
                    throw new InvalidOperationException($"ZooKeeper {id} on port {clientPort} exited with {_process.ExitCode}.");
                }

                var answer = await FourLetterWordAsync(host, clientPort, "srvr");
                if (answer?.Contains("Mode: ", StringComparison.Ordinal) == true)
                {
                    return;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"ZooKeeper {id} on port {clientPort} did not serve within {timeout}.");
        }

        public async Task KillAsync()
        {
            if (_process is null)
            {
                return;
            }

            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _process = null;
        }

        public async Task SignalAsync(string signal)
        {
            if (_process is null || _process.HasExited)
            {
                return;
            }

            using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
    }
}
