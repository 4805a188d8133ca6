using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Baton.Cli.Tests;

/// <summary>One running `baton` process (dotnet Baton.Cli.dll ARGS), its output captured line by line.</summary>
internal sealed partial class BatonProcess : IAsyncDisposable
{
    /// <summary>How long any single event may take before a test fails (generous: 2 cores, many processes).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private BatonProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The process id (the dotnet host runs the command in its own process).</summary>
    public int Id => _process.Id;

    /// <summary>Everything written to standard output so far.</summary>
    public string Output => string.Join('\n', _stdout);

    /// <summary>Everything written to standard error so far.</summary>
    public string Error => string.Join('\n', _stderr);

    /// <summary>Starts `baton ARGS…`, with standard input a pipe (write a line to it to end a `read`-ing child).</summary>
    public static BatonProcess Start(params string[] args) => Start(new BatonLaunch(), args);

    /// <summary>Starts `baton ARGS…` as <paramref name="launch"/> says (another build, a launcher, more environment).</summary>
    public static BatonProcess Start(BatonLaunch launch, params string[] args)
    {
        var startInfo = new ProcessStartInfo(launch.Launcher.Count > 0 ? launch.Launcher[0] : CliLocator.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No diagnostics IPC: a baton killed with kill -9 would leave its pipes and socket in the temp directory.
        startInfo.Environment["DOTNET_EnableDiagnostics"] = "0";
        foreach (var arg in launch.Launcher.Skip(1))
        {
            startInfo.ArgumentList.Add(arg);
        }

        if (launch.Launcher.Count > 0)
        {
            startInfo.ArgumentList.Add(CliLocator.DotnetHost);
        }

        startInfo.ArgumentList.Add(launch.Assembly ?? CliLocator.Assembly);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment.Remove("BATON_BACKEND");
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in launch.Environment)
        {
            startInfo.Environment[name] = value;
        }

        return new BatonProcess(Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Runs `baton ARGS…` to the end, as <paramref name="launch"/> says.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(BatonLaunch launch, params string[] args)
    {
        await using var baton = Start(launch, args);
        baton.CloseInput();
        var exitCode = await baton.WaitForExitAsync();
        return (exitCode, baton.Output, baton.Error);
    }

    /// <summary>Runs `baton ARGS…` to the end.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        await using var baton = Start(args);
        baton.CloseInput();
        var exitCode = await baton.WaitForExitAsync();
        return (exitCode, baton.Output, baton.Error);
    }

    /// <summary>Waits for a line of standard output or error that contains <paramref name="text"/>; returns it.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            var found = _stdout.Concat(_stderr).FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal));
            if (found is not null)
            {
                return found;
            }

            if (_process.HasExited)
            {
                // Output is complete once WaitForExitAsync returned; look once more, then fail.
                await _process.WaitForExitAsync(deadline.Token);
                found = _stdout.Concat(_stderr).FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal));
                return found ?? throw new InvalidOperationException(
                    $"baton exited ({_process.ExitCode}) without printing '{text}'. stdout: {Output} stderr: {Error}");
            }

            try
            {
                await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No line with '{text}' within {Patience}. stdout: {Output} stderr: {Error}");
            }
        }
    }

    /// <summary>Waits until standard output has at least <paramref name="count"/> lines (a watch's events); returns them.</summary>
    public async Task<string[]> WaitForOutputLinesAsync(int count)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            var lines = _stdout.ToArray();
            if (lines.Length >= count)
            {
                return lines;
            }

            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(deadline.Token);
                lines = _stdout.ToArray();
                return lines.Length >= count ? lines : throw new InvalidOperationException(
                    $"baton exited ({_process.ExitCode}) after {lines.Length} of {count} lines. stdout: {Output} stderr: {Error}");
            }

            try
            {
                await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Fewer than {count} lines within {Patience}. stdout: {Output} stderr: {Error}");
            }
        }
    }

    /// <summary>Writes a line to the process's standard input (a child's `read` returns).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Closes standard input.</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }
    }

    /// <summary>Waits for the exit and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"baton did not exit within {Patience}. stdout: {Output} stderr: {Error}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends a signal (2 SIGINT, 9 SIGKILL, 15 SIGTERM) to the baton process.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Kills the process if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Add(ConcurrentQueue<string> queue, string? line)
    {
        if (line is null)
        {
            return;
        }

        queue.Enqueue(line);
        _lineArrived.Release();
    }
}

/// <summary>How to start `baton` for a test: which build, under which launcher, with which extra environment.</summary>
/// <param name="Assembly">The Baton.Cli.dll to run; null for the one the tests found (<see cref="CliLocator"/>).</param>
internal sealed record BatonLaunch(string? Assembly = null)
{
    /// <summary>A program (and its arguments) that ends by executing the dotnet host with the rest of the command line.</summary>
    public IReadOnlyList<string> Launcher { get; init; } = [];

    /// <summary>Environment variables set for baton (and so for the command).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
