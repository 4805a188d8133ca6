using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Sdk;

namespace Baton.Postgres.Tests.Support;

/// <summary>
/// A PostgreSQL instance of one test's own (its own data directory and port), started and stopped with
/// scripts/servers/postgres.sh, for faults that would disturb the shared server (restarts).
/// </summary>
internal sealed class PrivateServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _port;

    private PrivateServer(string directory, int port, string url)
    {
        _directory = directory;
        _port = port;
        Url = url;
    }

    public string Url { get; }

    public static async Task<PrivateServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"baton-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var output = await RunScriptAsync("start", directory, port);
        const string Prefix = "export BATON_TEST_POSTGRES_URL=";
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))
            ?? throw new XunitException($"scripts/servers/postgres.sh printed no URL: {output}");
        return new PrivateServer(directory, port, line[Prefix.Length..].Trim());
    }

    /// <summary>Stops the server (fast shutdown, or an immediate one, which recovers like a crash) and starts it again on the same port.</summary>
    public async Task RestartAsync(bool crash = false)
    {
        await StopAsync(crash);
        await StartAgainAsync();
    }

    /// <summary>Stops the server: a fast shutdown, or an immediate one, which recovers like a crash when started again.</summary>
    public Task StopAsync(bool crash) => RunScriptAsync("stop", _directory, _port, crash ? "immediate" : "fast");

    /// <summary>Starts the stopped server again on the same port.</summary>
    public Task StartAgainAsync() => RunScriptAsync("start", _directory, _port);

    public async ValueTask DisposeAsync()
    {
        await RunScriptAsync("stop", _directory, _port);
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<string> RunScriptAsync(string action, string directory, int port, string? mode = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(action);
        start.ArgumentList.Add(directory);
        if (mode is not null)
        {
            start.ArgumentList.Add(mode);
        }
        start.Environment["BATON_TEST_POSTGRES_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0)
        {
            throw new XunitException($"scripts/servers/postgres.sh {action} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    private static string Script
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var script = Path.Combine(directory.FullName, "scripts", "servers", "postgres.sh");
                if (File.Exists(script))
                {
                    return script;
                }
            }

            throw new XunitException("scripts/servers/postgres.sh not found above the test directory.");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
