using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Baton.SideBySide.ChildProcesses;

/// <summary>
/// A copy of this harness started with <c>--child ROLE</c> (see <see cref="ChildMain"/>), driven by lines:
/// commands on its stdin, answers on its stdout; its stderr is passed through.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Starts a child in <paramref name="role"/> on one subject spec (<c>baton:URL</c>, <c>distributedlock-redis:URL</c>) and lock name, and waits for its "ready".</summary>
    public static async Task<ChildProcess> StartAsync(string role, string spec, string lockName, CancellationToken cancellationToken)
    {
        var (fileName, prefix) = SelfCommand();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(["--child", role, "--subject", spec, "--name", lockName]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
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
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"  [{role} {process.Id}] {e.Data}");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await child.ExpectAsync("ready", StartTimeout, cancellationToken);
        return child;
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Whether an answer is already waiting (used to catch a waiter that acquired too early).</summary>
    public bool HasAnswer => _lines.Reader.TryPeek(out _);

    /// <summary>Reads the next line, which must start with <paramref name="word"/>; returns the rest of it.</summary>
    public async Task<string> ExpectAsync(string word, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        string line;
        try
        {
            line = await _lines.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"child {Pid} did not answer '{word}' within {timeout.TotalSeconds:N0} s.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"child {Pid} exited before answering '{word}' (see its stderr above).");
        }

        return line == word || line.StartsWith(word + " ", StringComparison.Ordinal)
            ? line[word.Length..].Trim()
            : throw new InvalidOperationException($"child {Pid} answered '{line}' where '{word}' was expected.");
    }

    /// <summary>Reads a line "WORD TIMESTAMP" and returns the <see cref="Stopwatch"/> timestamp.</summary>
    public async Task<long> ExpectTimestampAsync(string word, TimeSpan timeout, CancellationToken cancellationToken) =>
        long.Parse(await ExpectAsync(word, timeout, cancellationToken), NumberStyles.Integer, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close(); // the child's read loop ends and it disposes its client
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(exited.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>How to start this harness again: its apphost, or <c>dotnet</c> with its dll.</summary>
    private static (string FileName, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [Path.Combine(AppContext.BaseDirectory, typeof(ChildProcess).Assembly.GetName().Name + ".dll")])
            : (path, []);
    }
}
