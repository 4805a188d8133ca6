using System.Diagnostics;

namespace Baton.Reliability.Harness;

/// <summary>A worker child process: started, told to go, killed, stopped and continued by its id.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyPatience = TimeSpan.FromSeconds(60);

    private static readonly Lock ErrorLogGate = new();

    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Whether it was told to go (and so may hold the lock).</summary>
    public bool Running { get; private set; }

    public Task Exited => _process.WaitForExitAsync();

    /// <summary>Starts a worker and waits until it has connected (READY).</summary>
    /// <param name="arguments">The worker's arguments.</param>
    /// <param name="errorLog">A file that collects what the worker writes to stderr (a crash's stack trace).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<WorkerProcess> StartAsync(IReadOnlyList<string> arguments, string errorLog, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        info.ArgumentList.Add("worker");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The worker process did not start.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (ErrorLogGate)
                {
                    File.AppendAllText(errorLog, $"[{process.Id}] {line}\n");
                }
            }
        };
        process.BeginErrorReadLine();
        var worker = new WorkerProcess(process);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(ReadyPatience);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            await worker.DisposeAsync();
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"A worker did not connect within {ReadyPatience}.");
        }

        if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
        {
            await worker.DisposeAsync();
            throw new InvalidOperationException($"A worker failed to start: {line ?? "(no output)"}");
        }

        return worker;
    }

    /// <summary>Lets the worker start its iterations.</summary>
    public async Task GoAsync()
    {
        await _process.StandardInput.WriteLineAsync("go");
        await _process.StandardInput.FlushAsync();
        Running = true;
    }

    /// <summary>kill -9, and wait until it is gone.</summary>
    public async Task KillAsync()
    {
        Signals.Send(_process.Id, Signals.Continue);
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private static string DotnetHost
    {
        get
        {
            var current = Environment.ProcessPath;
            if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
            {
                return current;
            }

            var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(fromCli) && File.Exists(fromCli) ? fromCli : "dotnet";
        }
    }
}
