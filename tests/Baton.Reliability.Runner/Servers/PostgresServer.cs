using System.Diagnostics;
using System.Globalization;

namespace Baton.Reliability.Servers;

/// <summary>
/// A PostgreSQL cluster of its own, run by scripts/servers/postgres.sh on a free port (the server refuses to run as
/// root; the script runs it as postgres). The restart is an immediate shutdown — a crash, recovered at the start.
/// </summary>
internal sealed class PostgresServer() : PrivateServer("postgres")
{
    private readonly int _port = FreePort();
    private string? _url;

    public override string Url => _url ?? throw new InvalidOperationException("The server has not started.");

    public override async Task RestartAsync()
    {
        await ScriptAsync("stop", "immediate");
        await ScriptAsync("start");
    }

    public override async ValueTask DisposeAsync()
    {
        await ScriptAsync("stop", "immediate");
        await base.DisposeAsync();
    }

    protected override async Task StartAsync()
    {
        // The data directory must belong to the postgres user; the script creates and owns what is beneath.
        var output = await ScriptAsync("start");
        const string Prefix = "export BATON_TEST_POSTGRES_URL=";
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"scripts/servers/postgres.sh printed no URL: {output}");
        _url = line[Prefix.Length..].Trim();
    }

    protected override (string File, IReadOnlyList<string> Arguments) Command() => throw new NotSupportedException();

    protected override Task<bool> IsServingAsync() => Task.FromResult(true);

    private async Task<string> ScriptAsync(string action, string? mode = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string?[])[Script, action, DataDirectory, mode])
        {
            if (argument is not null)
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.Environment["BATON_TEST_POSTGRES_PORT"] = _port.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"scripts/servers/postgres.sh {action} failed ({process.ExitCode}): {await stderr}");
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

            throw new InvalidOperationException("scripts/servers/postgres.sh not found above the program's directory.");
        }
    }
}
