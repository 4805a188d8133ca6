using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Baton.Reliability.Servers;

/// <summary>
/// A server of the run's own, on a free port of 127.0.0.1 with a data directory of its own, that the run may kill
/// and start again (the shared test servers are never restarted). Killed by its process id and removed at dispose.
/// </summary>
public abstract class PrivateServer : IAsyncDisposable
{
    private Process? _process;

    /// <summary>A data directory of its own, on tmpfs where there is one.</summary>
    protected PrivateServer(string kind)
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        DataDirectory = Path.Combine(root, $"baton-reliability-{kind}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(DataDirectory);
    }

    /// <summary>The backend URL of the server, without query options.</summary>
    public abstract string Url { get; }

    /// <summary>The server's data directory.</summary>
    protected string DataDirectory { get; }

    /// <summary>Starts a private server for the scheme of <paramref name="url"/>.</summary>
    /// <exception cref="ArgumentException">The scheme has no server (memory, file).</exception>
    public static async Task<PrivateServer> StartAsync(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.Split("://")[0];
        PrivateServer server = scheme switch
        {
            "redis" => new RedisServer(),
            "postgres" or "postgresql" => new PostgresServer(),
            "etcd" => new EtcdServer(),
            "zookeeper" => new ZooKeeperServer(),
            _ => throw new ArgumentException($"A server restart needs a redis, postgres, etcd or zookeeper backend, not '{scheme}'.", nameof(url)),
        };
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server (SIGKILL: a crash, no shutdown) and starts it again on the same port and data.</summary>
    public virtual async Task RestartAsync()
    {
        await KillAsync();
        await StartAsync();
    }

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary directory.
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the server process and waits until it serves.</summary>
    protected virtual async Task StartAsync()
    {
        Launch();
        await WaitUntilServingAsync();
    }

    /// <summary>Starts the server process, without waiting (a cluster's members serve only once enough of them run).</summary>
    protected void Launch()
    {
        var (file, arguments) = Command();
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{file} is not installed; scripts/servers/ installs the servers (run scripts/test.sh once).", e);
        }

        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until the launched server serves; fails when it exits or does not serve within a minute.</summary>
    protected async Task WaitUntilServingAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server was not launched.");
        var waited = Stopwatch.StartNew();
        while (!await IsServingAsync())
        {
            if (process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"{Command().File} did not serve on {Url} within 60 s (exited: {process.HasExited}).");
            }

            // Nothing signals that a server is up but its answer.
            await Task.Delay(50);
        }
    }

    /// <summary>The program and arguments that run the server in the foreground.</summary>
    protected abstract (string File, IReadOnlyList<string> Arguments) Command();

    /// <summary>Whether the server answers now.</summary>
    protected abstract Task<bool> IsServingAsync();

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
    protected async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>A free TCP port of 127.0.0.1.</summary>
    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends <paramref name="request"/> and returns what the server answers within two seconds, or null.</summary>
    protected static Task<string?> AskAsync(int port, string request) => AskAsync(IPAddress.Loopback, port, request, untilClosed: false);

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="address"/> and returns what the server answers within two
    /// seconds (its first read, or everything until it closes the connection), or null.
    /// </summary>
    protected static async Task<string?> AskAsync(IPAddress address, int port, string request, bool untilClosed)
    {
        ArgumentNullException.ThrowIfNull(address);
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(address, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), timeout.Token);
            if (untilClosed)
            {
                using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
                return await reader.ReadToEndAsync(timeout.Token);
            }

            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }
}
