using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Baton.Failover;

/// <summary>A <see cref="Child"/> process, driven by lines.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private ChildProcess(Process process) => _process = process;

    public static async Task<ChildProcess> StartAsync(string role, string url, string name, TimeSpan timeout)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Child).Assembly.Location);
        }

        foreach (var argument in new[] { "child", role, url, name })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
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
        process.BeginOutputReadLine();
        await child.ExpectAsync("READY", timeout);
        return child;
    }

    /// <summary>Waits for a line starting with the word; returns the first number after it (a timestamp), or 0.</summary>
    public async Task<long> ExpectAsync(string word, TimeSpan timeout)
    {
        while (true)
        {
            var line = await _lines.Reader.ReadAsync().AsTask().WaitAsync(timeout);
            var parts = line.Split(' ');
            if (parts[0] == word)
            {
                return parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
            }
        }
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>kill -9; returns the monotonic time just before the signal.</summary>
    public long KillHard()
    {
        var at = Stopwatch.GetTimestamp();
        _process.Kill();
        return at;
    }

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
