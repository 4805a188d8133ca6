using System.Diagnostics;
using System.Threading.Channels;

namespace Baton.Failover;

/// <summary>A copy of this program in a child role, driven by lines on its stdin and stdout.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private ChildProcess(Process process) => _process = process;

    public static async Task<ChildProcess> StartAsync(string role, string url, string name)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // No diagnostics IPC: a child killed with kill -9 would leave its socket in the temporary directory.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        if (!Environment.ProcessPath!.EndsWith("Baton.Failover", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var argument in new[] { "--child", role, url, name })
        {
            start.ArgumentList.Add(argument);
        }

        var child = new ChildProcess(Process.Start(start)!);
        child._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
            }
            else
            {
                child._lines.Writer.TryWrite(e.Data);
            }
        };
        child._process.BeginOutputReadLine();
        await child.ExpectAsync("ready");
        return child;
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The next line, which must start with <paramref name="word"/>; returns what follows it.</summary>
    public async Task<string> ExpectAsync(string word)
    {
        var line = await _lines.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        return line.StartsWith(word, StringComparison.Ordinal)
            ? line[word.Length..].Trim()
            : throw new InvalidOperationException($"The child said '{line}', not '{word}'.");
    }

    /// <summary>kill -9.</summary>
    public void Kill() => _process.Kill();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
