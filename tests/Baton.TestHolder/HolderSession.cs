using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.TestHolder;

/// <summary>Reads commands until <c>exit</c> or end of input and runs them (see Program.cs for the protocol).</summary>
internal sealed class HolderSession(Coordinator coordinator, LineWriter output)
{
    /// <summary>The JSON shape of <c>list</c> and <c>whoami</c>; the harness reads it with the same options.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task RunAsync(TextReader input)
    {
        while (true)
        {
            string? line;
            try
            {
                line = await input.ReadLineAsync();
            }
            catch (IOException)
            {
                line = null;
            }

            if (line is null)
            {
                break;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts[0] == "exit")
            {
                break;
            }

            var tag = parts.Length > 1 ? parts[1] : "-";
            try
            {
                await ExecuteAsync(parts, tag);
            }
            catch (Exception e)
            {
                Error(tag, e);
            }
        }

        await ShutdownAsync();
    }

    private async Task ExecuteAsync(string[] parts, string tag)
    {
        switch (parts[0])
        {
            case "acquire":
                Expect(parts, 5, "acquire TAG lock|read|write|semaphore:N|elect|join[:CAPS-BASE64URL] NAME-BASE64URL TIMEOUT-MS|inf");
                StartAcquire(tag, parts[2], DecodeName(parts[3]), ParseTimeout(parts[4]));
                break;
            case "cancel":
                Expect(parts, 2, "cancel TAG");
                Cancel(tag);
                break;
            case "release":
                Expect(parts, 2, "release TAG");
                await ReleaseAsync(tag);
                break;
            case "upgrade":
                Expect(parts, 3, "upgrade TAG TIMEOUT-MS|inf");
                StartUpgrade(tag, ParseTimeout(parts[2]));
                break;
            case "downgrade":
                Expect(parts, 2, "downgrade TAG");
                await DowngradeAsync(tag);
                break;
            case "lost?":
                Expect(parts, 2, "lost? TAG");
                var handle = Held(tag);
                output.WriteLine(handle.IsLost ? $"LOST {tag} {handle.LossReason ?? LossReason.ConnectionLost}" : $"HELD {tag}");
                break;
            case "list":
                Expect(parts, 1, 2, "list [TAG]");
                var locks = await coordinator.ListLocksAsync();
                output.WriteLine($"LIST {tag} {JsonSerializer.Serialize(locks, Json)}");
                break;
            case "whoami":
                Expect(parts, 1, 2, "whoami [TAG]");
                output.WriteLine($"MEMBER {tag} {JsonSerializer.Serialize(coordinator.Member, Json)}");
                break;
            case "break":
                Expect(parts, 4, "break TAG lock|semaphore|group NAME-BASE64URL");
                var kind = parts[2] switch
                {
                    "lock" => LockKind.Lock,
                    "semaphore" => LockKind.Semaphore,
                    "group" => LockKind.Group,
                    _ => throw new FormatException($"'{parts[2]}' is not a kind to break: expected lock, semaphore or group."),
                };
                var broken = await coordinator.BreakLockAsync(DecodeName(parts[3]), kind);
                output.WriteLine($"BROKEN {tag} {broken.Count}");
                break;
            case "ping":
                Expect(parts, 1, 2, "ping [TAG]");
                output.WriteLine($"PONG {tag}");
                break;
            default:
                throw new FormatException(
                    $"unknown command '{parts[0]}': expected acquire, cancel, release, upgrade, downgrade, lost?, list, whoami, break, ping or exit.");
        }
    }

    private void StartAcquire(string tag, string mode, string name, TimeSpan timeout)
    {
        Func<CancellationToken, ValueTask<Hold?>> acquire;
        if (mode == "lock")
        {
            var target = coordinator.CreateLock(name);
            acquire = async token => await target.TryAcquireAsync(timeout, token) is { } h ? Hold.Of(h) : null;
        }
        else if (mode is "read" or "write")
        {
            var target = coordinator.CreateReaderWriterLock(name);
            acquire = mode == "read"
                ? async token => await target.TryAcquireReadAsync(timeout, token) is { } h ? Hold.Of(h) : null
                : async token => await target.TryAcquireWriteAsync(timeout, token) is { } h ? Hold.Of(h) : null;
        }
        else if (mode.StartsWith("semaphore:", StringComparison.Ordinal)
            && int.TryParse(mode.AsSpan("semaphore:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            var target = coordinator.CreateSemaphore(name, count);
            acquire = async token => await target.TryAcquireAsync(timeout, token) is { } h ? Hold.Of(h) : null;
        }
        else if (mode == "elect")
        {
            var election = coordinator.CreateElection(name);
            acquire = async token => await election.TryCampaignAsync(timeout, token) is { } l ? Hold.Of(l) : null;
        }
        else if (mode == "join" || mode.StartsWith("join:", StringComparison.Ordinal))
        {
            var group = coordinator.CreateGroup(name);
            var capabilities = mode == "join" ? null : DecodeName(mode["join:".Length..]);
            acquire = async token => Hold.Of(await group.JoinAsync(null, capabilities, timeout, token));
        }
        else
        {
            throw new FormatException($"'{mode}' is not a mode: expected lock, read, write, semaphore:N, elect, join or join:CAPABILITIES-BASE64URL.");
        }

        var entry = new Entry(name, new CancellationTokenSource());
        lock (_gate)
        {
            if (!_entries.TryAdd(tag, entry))
            {
                throw new InvalidOperationException($"the tag '{tag}' is in use; release it first or pick another.");
            }

            entry.Operation = Task.Run(() => AcquireAsync(tag, entry, acquire));
        }
    }

    private async Task AcquireAsync(string tag, Entry entry, Func<CancellationToken, ValueTask<Hold?>> acquire)
    {
        var pending = entry.Pending!;
        Hold? handle;
        try
        {
            handle = await acquire(pending.Token);
        }
        catch (Exception e)
        {
            Forget(tag, entry);
            if (e is OperationCanceledException && pending.IsCancellationRequested)
            {
                output.WriteLine($"CANCELED {tag}");
            }
            else
            {
                Error(tag, e);
            }

            return;
        }

        if (handle is null)
        {
            Forget(tag, entry);
            output.WriteLine($"TIMEOUT {tag}");
            return;
        }

        lock (_gate)
        {
            entry.Handle = handle;
            entry.Pending = null;
        }

        var takeover = handle.Takeover is { } notice
            ? FormattableString.Invariant($" takeover:{notice.PreviousFencingToken}:{notice.Reason}:{notice.PreviousHolder.ProcessId}")
            : string.Empty;
        output.WriteLine(FormattableString.Invariant($"ACQUIRED {tag} {handle.FencingToken}{takeover}"));
        entry.LostRegistration = handle.LostToken.Register(() =>
        {
            if (!handle.IsReleased)
            {
                output.WriteLine($"LOST {tag} {handle.LossReason ?? LossReason.ConnectionLost}");
            }
        });
    }

    private void Cancel(string tag)
    {
        CancellationTokenSource? pending = null;
        lock (_gate)
        {
            if (_entries.TryGetValue(tag, out var entry))
            {
                pending = entry.Pending;
            }
        }

        // Cancelled outside the gate: the cancelled operation's continuation may take it.
        (pending ?? throw new InvalidOperationException($"nothing is pending under '{tag}'.")).Cancel();
    }

    private async Task ReleaseAsync(string tag)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(tag, out entry) || entry.Handle is null)
            {
                throw new InvalidOperationException(
                    entry is null ? $"nothing is held under '{tag}'." : $"'{tag}' is still being acquired; cancel it instead.");
            }

            _entries.Remove(tag);
        }

        await entry.LostRegistration.DisposeAsync();
        await entry.Handle.ReleaseAsync();
        output.WriteLine($"RELEASED {tag}");
    }

    private void StartUpgrade(string tag, TimeSpan timeout)
    {
        lock (_gate)
        {
            var handle = Held(tag).Inner as ReaderWriterLockHandle
                ?? throw new InvalidOperationException($"'{tag}' is not a reader-writer hold (acquired with read or write).");
            var entry = _entries[tag];
            if (entry.Pending is not null)
            {
                throw new InvalidOperationException($"'{tag}' is already upgrading.");
            }

            var pending = new CancellationTokenSource();
            entry.Pending = pending;
            entry.Operation = Task.Run(async () =>
            {
                string reply;
                try
                {
                    var upgraded = await handle.TryUpgradeAsync(timeout, pending.Token);
                    reply = upgraded ? FormattableString.Invariant($"UPGRADED {tag} {handle.FencingToken}") : $"TIMEOUT {tag}";
                }
                catch (OperationCanceledException) when (pending.IsCancellationRequested)
                {
                    reply = $"CANCELED {tag}";
                }
                catch (Exception e)
                {
                    reply = ErrorLine(tag, e);
                }

                // Done before answering, so a command sent on the answer finds the tag idle.
                lock (_gate)
                {
                    entry.Pending = null;
                }

                output.WriteLine(reply);
            });
        }
    }

    private async Task DowngradeAsync(string tag)
    {
        var handle = Held(tag).Inner as ReaderWriterLockHandle
            ?? throw new InvalidOperationException($"'{tag}' is not a reader-writer hold (acquired with read or write).");
        await handle.DowngradeAsync();
        output.WriteLine(FormattableString.Invariant($"DOWNGRADED {tag} {handle.FencingToken}"));
    }

    private async Task ShutdownAsync()
    {
        List<Entry> entries;
        lock (_gate)
        {
            entries = [.. _entries.Values];
        }

        foreach (var entry in entries)
        {
            entry.Pending?.Cancel();
        }

        foreach (var entry in entries)
        {
            if (entry.Operation is { } operation)
            {
                await operation.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        lock (_gate)
        {
            entries = [.. _entries.Values];
            _entries.Clear();
        }

        foreach (var entry in entries)
        {
            await entry.LostRegistration.DisposeAsync();
            if (entry.Handle is { } handle)
            {
                await handle.ReleaseAsync();
            }
        }
    }

    private Hold Held(string tag)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(tag, out var entry))
            {
                return entry.Handle ?? throw new InvalidOperationException($"'{tag}' is still being acquired.");
            }
        }

        throw new InvalidOperationException($"nothing is held under '{tag}'.");
    }

    private void Forget(string tag, Entry entry)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(tag, out var current) && ReferenceEquals(current, entry))
            {
                _entries.Remove(tag);
            }
        }
    }

    private static string ErrorLine(string tag, Exception e) => $"ERROR {tag} {LineWriter.OneLine($"{e.GetType().Name}: {e.Message}")}";

    private void Error(string tag, Exception e) => output.WriteLine(ErrorLine(tag, e));

    private static void Expect(string[] parts, int count, string usage) => Expect(parts, count, count, usage);

    private static void Expect(string[] parts, int min, int max, string usage)
    {
        if (parts.Length < min || parts.Length > max)
        {
            throw new FormatException($"usage: {usage}");
        }
    }

    private static string DecodeName(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"'{text}' is not base64url: names travel as the base64url of their UTF-8 bytes.");
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"'{text}' does not decode to UTF-8 text.");
        }
    }

    private static TimeSpan ParseTimeout(string text) =>
        text == "inf" ? Timeout.InfiniteTimeSpan
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) ? TimeSpan.FromMilliseconds(milliseconds)
        : throw new FormatException($"'{text}' is not a timeout: expected milliseconds or inf.");

    /// <summary>
    /// One tag: a pending acquisition, or a hold (possibly with a pending upgrade). Its cancellation sources
    /// have no timers, so they are left to the collector rather than raced against a concurrent cancel.
    /// </summary>
    private sealed class Entry(string name, CancellationTokenSource? pending)
    {
        public string Name { get; } = name;

        public CancellationTokenSource? Pending { get; set; } = pending;

        public Hold? Handle { get; set; }

        public Task? Operation { get; set; }

        public CancellationTokenRegistration LostRegistration { get; set; }
    }
}
