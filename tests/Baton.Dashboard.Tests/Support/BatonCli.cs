using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Baton.Conformance;

namespace Baton.Dashboard.Tests.Support;

/// <summary>One `baton` process (dotnet Baton.Cli.dll ARGS), its output captured line by line.</summary>
internal sealed partial class BatonCli : IAsyncDisposable
{
    /// <summary>How long any single event may take before a test fails (generous: 2 cores, many processes).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly Lazy<string> Assembly = new(() =>
        BuiltProgram.Locate("Baton.Cli.dll", "src/Baton.Cli", "BATON_CLI_DLL", typeof(BatonCli).Assembly));

    /// <summary>The CLI assembly of the build.</summary>
    public static string BuiltAssembly => Assembly.Value;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private BatonCli(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join('\n', _stdout);

    public string Error => string.Join('\n', _stderr);

    public static BatonCli Start(params string[] args) => StartAssembly(Assembly.Value, args);

    /// <summary>Starts another copy of the command (<c>dotnet ASSEMBLY ARGS…</c>).</summary>
    public static BatonCli StartAssembly(string assembly, params string[] args)
    {
        var start = new ProcessStartInfo(BuiltProgram.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.Environment.Remove("BATON_BACKEND");
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new BatonCli(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Runs `baton ARGS…` to the end.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAssemblyAsync(Assembly.Value, args);

    /// <summary>Runs another copy of the command to the end.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAssemblyAsync(string assembly, params string[] args)
    {
        await using var baton = StartAssembly(assembly, args);
        baton._process.StandardInput.Close();
        var exitCode = await baton.WaitForExitAsync();
        return (exitCode, baton.Output, baton.Error);
    }

    /// <summary>Waits for a line of standard output that contains <paramref name="text"/>; returns it.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (_stdout.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } found)
            {
                return found;
            }

            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                return _stdout.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"baton exited ({_process.ExitCode}) without printing '{text}'. stdout: {Output} stderr: {Error}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No line with '{text}' within {Patience}. stdout: {Output} stderr: {Error}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends a signal (SIGTERM = 15, SIGINT = 2).</summary>
    public void Signal(int signal) => _ = Kill(_process.Id, signal);

    public async Task<int> WaitForExitAsync()
    {
        using var deadline = new CancellationTokenSource(Patience);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
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

    private static void Add(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
