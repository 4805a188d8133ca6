using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Conformance.CrossProcess;

/// <summary>
/// A real child process (tests/Baton.TestHolder) connected to a backend, which takes and holds locks on
/// command, so a test can check behaviour across processes and kill -9 a holder. Every wait has a
/// timeout; a failure's message carries the child's recent output and its stderr. Disposing kills the
/// child if it is still running. The protocol is described at the top of the holder's Program.cs.
/// </summary>
public sealed class HolderProcess : IAsyncDisposable
{
    /// <summary>The environment variable that names the holder's dll, overriding the search.</summary>
    public const string HolderPathVariable = "BATON_TEST_HOLDER";

    private const int MaxStandardErrorChars = 32 * 1024;
    private const int OutputLinesShown = 30;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Lazy<string> HolderPath = new(HolderLocator.LocateHolderAssembly);

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<HolderReply> _lines = [];
    private readonly List<Waiter> _waiters = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _inputClosed;
    private int _disposed;
    private int _nextTag;

    private HolderProcess(Process process, string backendUrl, HolderProcessOptions options)
    {
        _process = process;
        BackendUrl = backendUrl;
        MemberId = options.MemberId;
        ReplyTimeout = options.ReplyTimeout;
    }

    /// <summary>The child's process id.</summary>
    public int Pid { get; private set; }

    /// <summary>The backend URL the child connected to.</summary>
    public string BackendUrl { get; }

    /// <summary>The member id the child connected with, or null.</summary>
    public string? MemberId { get; }

    /// <summary>How long to wait for an answer.</summary>
    public TimeSpan ReplyTimeout { get; }

    /// <summary>True once the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The child's exit code once it has exited (128 + signal when killed by one), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the child wrote to stderr so far (the last 32 KB).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Every line the child wrote to stdout so far.</summary>
    public IReadOnlyList<HolderReply> Output
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The path of the holder's dll: <c>BATON_TEST_HOLDER</c>, the test output directory, or the holder project's own output of the same configuration.</summary>
    public static string HolderAssemblyPath => HolderPath.Value;

    /// <summary>Starts a child connected to the backend and waits for its <c>READY</c>.</summary>
    /// <param name="backendUrl">The backend URL.</param>
    /// <param name="memberId">The child's member id, or null.</param>
    /// <exception cref="HolderProcessException">The child reported a startup error (with its exit code), exited, or was not ready in time.</exception>
    public static Task<HolderProcess> StartAsync(string backendUrl, string? memberId = null) =>
        StartAsync(backendUrl, new HolderProcessOptions { MemberId = memberId });

    /// <summary>Starts a child connected to the backend and waits for its <c>READY</c>.</summary>
    /// <param name="backendUrl">The backend URL.</param>
    /// <param name="options">Member id, timeouts and assemblies.</param>
    /// <exception cref="HolderProcessException">The child reported a startup error (with its exit code), exited, or was not ready in time.</exception>
    public static async Task<HolderProcess> StartAsync(string backendUrl, HolderProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(backendUrl);
        ArgumentNullException.ThrowIfNull(options);
        var start = new ProcessStartInfo(options.LaunchPrefix.Count > 0 ? options.LaunchPrefix[0] : HolderLocator.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        // No diagnostics IPC: a child killed with kill -9 would leave its pipes and socket in the temp directory.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        if (options.LaunchPrefix.Count > 0)
        {
            foreach (var argument in options.LaunchPrefix.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add(HolderLocator.DotnetHost);
        }

        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(HolderAssemblyPath);
        start.ArgumentList.Add("--backend");
        start.ArgumentList.Add(backendUrl);
        if (options.MemberId is { } memberId)
        {
            start.ArgumentList.Add("--id");
            start.ArgumentList.Add(memberId);
        }

        foreach (var directory in options.ProbeDirectories.Append(AppContext.BaseDirectory))
        {
            start.ArgumentList.Add("--probe");
            start.ArgumentList.Add(directory);
        }

        foreach (var assembly in options.ProviderAssemblies)
        {
            start.ArgumentList.Add("--load");
            start.ArgumentList.Add(assembly);
        }

        var process = new Process { StartInfo = start };
        var holder = new HolderProcess(process, backendUrl, options);
        process.ErrorDataReceived += (_, e) => holder.OnStandardError(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        holder.Pid = process.Id;
        process.BeginErrorReadLine();
        _ = holder.ReadOutputAsync();
        try
        {
            var ready = await holder.WaitForReplyAsync(r => r.Keyword is "READY" or "FATAL", 0, options.StartTimeout, "READY <pid>").ConfigureAwait(false);
            if (ready.Keyword == "FATAL")
            {
                await holder.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                throw new HolderProcessException(holder.Describe($"The holder failed to start on {backendUrl}: {ready.Rest}"), holder.ExitCode);
            }

            if (ready.Tag != process.Id.ToString(CultureInfo.InvariantCulture))
            {
                throw holder.Failure($"The holder reported pid {ready.Tag}, but the started process is {process.Id}.");
            }
        }
        catch
        {
            await holder.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return holder;
    }

    /// <summary>The base64url of a name's UTF-8 bytes, as the protocol carries names.</summary>
    public static string EncodeName(string name) => Base64Url.EncodeToString(Utf8.GetBytes(name));

    /// <summary>A fresh tag for a command.</summary>
    public string NewTag(string prefix = "t") =>
        prefix + Interlocked.Increment(ref _nextTag).ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts an acquisition in the child without waiting for it; see <see cref="HolderAcquisition.WaitAsync"/>.</summary>
    /// <param name="name">The lock name.</param>
    /// <param name="mode">Lock, read, write or semaphore.</param>
    /// <param name="timeout">How long the child waits; null waits forever.</param>
    public async Task<HolderAcquisition> StartAcquireAsync(string name, HolderMode mode, TimeSpan? timeout = null)
    {
        var tag = NewTag();
        var wait = timeout ?? Timeout.InfiniteTimeSpan;
        var index = await SendAsync($"acquire {tag} {mode} {EncodeName(name)} {FormatTimeout(wait)}").ConfigureAwait(false);
        return new HolderAcquisition(this, tag, name, mode, wait, index);
    }

    /// <summary>Acquires in the child within the timeout; null when it timed out.</summary>
    /// <param name="name">The lock name.</param>
    /// <param name="mode">Lock, read, write or semaphore.</param>
    /// <param name="timeout">How long the child waits: zero tries once (the default).</param>
    public async Task<HolderGrant?> TryAcquireAsync(string name, HolderMode mode, TimeSpan timeout = default) =>
        await (await StartAcquireAsync(name, mode, timeout).ConfigureAwait(false)).WaitAsync().ConfigureAwait(false);

    /// <summary>Acquires in the child, failing with <see cref="HolderProcessException"/> when it times out.</summary>
    /// <param name="name">The lock name.</param>
    /// <param name="mode">Lock, read, write or semaphore.</param>
    /// <param name="timeout">How long the child waits; null waits up to the reply timeout.</param>
    public async Task<HolderGrant> AcquireAsync(string name, HolderMode mode, TimeSpan? timeout = null) =>
        await TryAcquireAsync(name, mode, timeout ?? ReplyTimeout).ConfigureAwait(false)
        ?? throw Failure($"The holder did not acquire {mode} '{name}' within {timeout ?? ReplyTimeout}.");

    /// <summary>Releases a hold in the child and waits for <c>RELEASED</c>.</summary>
    public async Task ReleaseAsync(string tag) => await RequestAsync($"release {tag}", tag, "RELEASED").ConfigureAwait(false);

    /// <summary>Upgrades a read hold in the child; the new fencing token, or null when it timed out.</summary>
    public async Task<long?> TryUpgradeAsync(string tag, TimeSpan timeout)
    {
        var index = await SendAsync($"upgrade {tag} {FormatTimeout(timeout)}").ConfigureAwait(false);
        var wait = timeout == Timeout.InfiniteTimeSpan ? ReplyTimeout : timeout + ReplyTimeout;
        var reply = await WaitForReplyAsync(
            r => r.Tag == tag && r.Keyword is "UPGRADED" or "TIMEOUT" or "CANCELED" or "ERROR", index, wait, $"the answer to upgrade {tag}").ConfigureAwait(false);
        return reply.Keyword switch
        {
            "UPGRADED" => long.Parse(reply.Arguments[0], CultureInfo.InvariantCulture),
            "TIMEOUT" => null,
            _ => throw Failure($"upgrade {tag} failed: {reply.Line}"),
        };
    }

    /// <summary>Downgrades a write hold in the child; returns its fencing token.</summary>
    public async Task<long> DowngradeAsync(string tag)
    {
        var reply = await RequestAsync($"downgrade {tag}", tag, "DOWNGRADED").ConfigureAwait(false);
        return long.Parse(reply.Arguments[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Asks whether a hold's lost token has fired: its reason, or null while held.</summary>
    public async Task<LossReason?> GetLossAsync(string tag)
    {
        var index = await SendAsync($"lost? {tag}").ConfigureAwait(false);
        var reply = await WaitForReplyAsync(r => r.Tag == tag && r.Keyword is "HELD" or "LOST" or "ERROR", index, ReplyTimeout, $"the answer to lost? {tag}")
            .ConfigureAwait(false);
        return reply.Keyword switch
        {
            "HELD" => null,
            "LOST" => Enum.Parse<LossReason>(reply.Arguments[0]),
            _ => throw Failure($"lost? {tag} failed: {reply.Line}"),
        };
    }

    /// <summary>Waits until the child reports that a hold was lost (whenever that happened) and returns why.</summary>
    public async Task<LossReason> WaitForLostAsync(string tag, TimeSpan? timeout = null)
    {
        var reply = await WaitForReplyAsync(r => r.Tag == tag && r.Keyword == "LOST", 0, timeout ?? ReplyTimeout, $"LOST {tag}").ConfigureAwait(false);
        return Enum.Parse<LossReason>(reply.Arguments[0]);
    }

    /// <summary>The child's listing of the backend (its <see cref="Coordinator.ListLocksAsync"/>).</summary>
    public async Task<IReadOnlyList<LockInfo>> ListLocksAsync() =>
        JsonSerializer.Deserialize<List<LockInfo>>(await ListLocksJsonAsync().ConfigureAwait(false), Json)
        ?? throw Failure("The holder listed null.");

    /// <summary>The child's listing as the JSON it printed.</summary>
    public async Task<string> ListLocksJsonAsync()
    {
        var tag = NewTag("list");
        return (await RequestAsync($"list {tag}", tag, "LIST").ConfigureAwait(false)).Rest;
    }

    /// <summary>The child's member identity.</summary>
    public async Task<MemberIdentity> GetMemberAsync()
    {
        var tag = NewTag("who");
        var reply = await RequestAsync($"whoami {tag}", tag, "MEMBER").ConfigureAwait(false);
        return JsonSerializer.Deserialize<MemberIdentity>(reply.Rest, Json) ?? throw Failure("The holder's identity was null.");
    }

    /// <summary>Breaks a name through the child's coordinator; returns how many holders were removed.</summary>
    public async Task<int> BreakLockAsync(string name, LockKind kind = LockKind.Lock)
    {
        var tag = NewTag("break");
        var kindText = kind switch { LockKind.Semaphore => "semaphore", LockKind.Group => "group", _ => "lock" };
        var reply = await RequestAsync($"break {tag} {kindText} {EncodeName(name)}", tag, "BROKEN").ConfigureAwait(false);
        return int.Parse(reply.Arguments[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Round trip: returns once the child has read every earlier command.</summary>
    public async Task PingAsync()
    {
        var tag = NewTag("ping");
        await RequestAsync($"ping {tag}", tag, "PONG").ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a command and waits for the first later line with the tag. When <paramref name="expected"/>
    /// is given, any other keyword (such as <c>ERROR</c>) fails with <see cref="HolderProcessException"/>.
    /// </summary>
    /// <param name="command">The command line.</param>
    /// <param name="tag">The tag of the reply.</param>
    /// <param name="expected">The keyword expected; null accepts any.</param>
    public async Task<HolderReply> RequestAsync(string command, string tag, string? expected = null)
    {
        var index = await SendAsync(command).ConfigureAwait(false);
        var reply = await WaitForReplyAsync(r => r.Tag == tag, index, ReplyTimeout, $"the answer to '{command}'").ConfigureAwait(false);
        if (expected is not null && reply.Keyword != expected)
        {
            throw Failure($"'{command}' answered {reply.Line} instead of {expected}.");
        }

        return reply;
    }

    /// <summary>Writes one command line; returns the index of the next output line, from which its answer is searched.</summary>
    public Task<int> SendAsync(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        lock (_gate)
        {
            var index = _lines.Count;
            try
            {
                ObjectDisposedException.ThrowIf(_inputClosed, this);
                _process.StandardInput.Write(command);
                _process.StandardInput.Write('\n');
                _process.StandardInput.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                throw new HolderProcessException(Describe($"Could not send '{command}' to the holder: {e.Message}"), e);
            }

            return Task.FromResult(index);
        }
    }

    /// <summary>Waits for the first output line, at or after <paramref name="fromIndex"/>, that matches; fails when the output ends or time runs out.</summary>
    /// <param name="match">Which line.</param>
    /// <param name="fromIndex">The first output line considered (0: everything the child ever printed).</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    public async Task<HolderReply> WaitForReplyAsync(Func<HolderReply, bool> match, int fromIndex, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(match);
        Waiter waiter;
        lock (_gate)
        {
            if (FindReplyLocked(fromIndex, match) is { } found)
            {
                return found;
            }

            if (_outputClosed.Task.IsCompleted)
            {
                throw Failure($"Waited for {what}, but the holder's output had ended.");
            }

            waiter = new Waiter(match, fromIndex);
            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Reply.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            throw Failure($"Timed out after {timeout} waiting for {what}.");
        }
        catch (EndOfStreamException)
        {
            throw Failure($"Waited for {what}, but the holder's output ended.");
        }
    }

    /// <summary>Sends <c>exit</c> and waits for the child to release everything and exit; returns its exit code.</summary>
    public async Task<int> ExitAsync(TimeSpan? timeout = null)
    {
        await SendAsync("exit").ConfigureAwait(false);
        return await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Closes the child's stdin (as a dying parent would) and waits for it to exit; returns its exit code.</summary>
    public async Task<int> CloseInputAsync(TimeSpan? timeout = null)
    {
        lock (_gate)
        {
            if (!_inputClosed)
            {
                _inputClosed = true;
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // Already gone.
                }
            }
        }

        return await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Kills the child with SIGKILL (kill -9, the whole process tree) and waits until it has exited; returns its exit code.</summary>
    public async Task<int> KillHardAsync(TimeSpan? timeout = null)
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }

        return await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Waits for the child to exit and its output to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? ReplyTimeout;
        try
        {
            await _process.WaitForExitAsync().WaitAsync(limit).ConfigureAwait(false);
            await _outputClosed.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Failure($"The holder did not exit within {limit}.");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the child if it is still running and frees the process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                await KillHardAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or HolderProcessException)
        {
            // Never started, or would not die: nothing more a test can do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"holder pid {Pid} on {BackendUrl}");

    /// <summary>The first output line at or after the index that matches, or null.</summary>
    internal HolderReply? FindReply(int fromIndex, Func<HolderReply, bool> match)
    {
        lock (_gate)
        {
            return FindReplyLocked(fromIndex, match);
        }
    }

    /// <summary>An exception whose message adds the child's state, recent output and stderr to the problem.</summary>
    internal HolderProcessException Failure(string problem) => new(Describe(problem), ExitCode);

    private static string FormatTimeout(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? "inf" : ((long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);

    private HolderReply? FindReplyLocked(int fromIndex, Func<HolderReply, bool> match)
    {
        for (var i = Math.Max(fromIndex, 0); i < _lines.Count; i++)
        {
            if (match(_lines[i]))
            {
                return _lines[i];
            }
        }

        return null;
    }

    private async Task ReadOutputAsync()
    {
        var output = _process.StandardOutput;
        try
        {
            while (await output.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_gate)
                {
                    var reply = HolderReply.Parse(line, _lines.Count);
                    _lines.Add(reply);
                    for (var i = _waiters.Count - 1; i >= 0; i--)
                    {
                        var waiter = _waiters[i];
                        if (reply.Index >= waiter.FromIndex && waiter.Match(reply))
                        {
                            _waiters.RemoveAt(i);
                            waiter.Reply.TrySetResult(reply);
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The pipe broke; treated as the end of the output.
        }

        try
        {
            // Let the exit code in, for the failure messages of whoever still waits.
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Still running with its stdout closed, or gone: the waiters fail all the same.
        }

        lock (_gate)
        {
            _outputClosed.TrySetResult();
            foreach (var waiter in _waiters)
            {
                waiter.Reply.TrySetException(new EndOfStreamException());
            }

            _waiters.Clear();
        }
    }

    private void OnStandardError(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Append(line).Append('\n');
            if (_stderr.Length > MaxStandardErrorChars)
            {
                _stderr.Remove(0, _stderr.Length - MaxStandardErrorChars);
            }
        }
    }

    private string Describe(string problem)
    {
        var text = new StringBuilder(problem);
        text.Append(CultureInfo.InvariantCulture, $"\n--- {this}, ");
        try
        {
            text.Append(_process.HasExited ? string.Create(CultureInfo.InvariantCulture, $"exited with code {_process.ExitCode}") : "running");
        }
        catch (InvalidOperationException)
        {
            text.Append("not started");
        }

        var lines = Output;
        text.Append(CultureInfo.InvariantCulture, $"; its last {Math.Min(lines.Count, OutputLinesShown)} of {lines.Count} output lines:\n");
        foreach (var line in lines.Skip(Math.Max(0, lines.Count - OutputLinesShown)))
        {
            text.Append("  ").Append(line.Line).Append('\n');
        }

        var stderr = StandardError;
        text.Append(stderr.Length == 0 ? "--- stderr: (empty)" : "--- stderr:\n" + stderr);
        return text.ToString();
    }

    private sealed class Waiter(Func<HolderReply, bool> match, int fromIndex)
    {
        public Func<HolderReply, bool> Match { get; } = match;

        public int FromIndex { get; } = fromIndex;

        public TaskCompletionSource<HolderReply> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
