using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Tests.CrossProcess.Relay;

/// <summary>
/// A test-only lock server on a Unix socket, run inside the test process, so the cross-process
/// conformance suite can run against a backend (<c>relay://</c>, <see cref="RelayBackend"/>) that really
/// spans processes before the real ones exist. Session semantics: a client's holds end when its
/// connection closes (a killed process), and the next holder gets a takeover notice. Exclusive, shared and
/// semaphore holds, FIFO waiters, upgrades, per-name fencing tokens and listings; no break.
/// </summary>
internal sealed class RelayLockServer : IDisposable
{
    private static readonly Lazy<RelayLockServer> SharedServer = new(() =>
    {
        var server = new RelayLockServer(Path.Combine(Path.GetTempPath(), $"baton-relay-{Environment.ProcessId}.sock"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    });

    private readonly Socket _listener;
    private readonly Lock _gate = new();
    private readonly Dictionary<(LockKind Kind, string Name), NameState> _names = [];

    private RelayLockServer(string socketPath)
    {
        SocketPath = socketPath;
        File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(64);
        _ = AcceptAsync();
    }

    /// <summary>The server of this test process, started on first use.</summary>
    public static RelayLockServer Shared => SharedServer.Value;

    public string SocketPath { get; }

    public string Url => "relay://" + SocketPath;

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(SocketPath);
    }

    private static bool Admits(NameState state, LockMode mode) => mode switch
    {
        LockMode.Exclusive => state.Holders.Count == 0,
        LockMode.Shared => state.Holders.TrueForAll(h => h.Mode == LockMode.Shared),
        _ => state.Holders.Count < state.MaxCount,
    };

    private static RelayMessage Grant(NameState state, Client client, string id, MemberIdentity member, LockMode mode, string op)
    {
        var token = ++state.LastToken;
        state.Holders.Add(new Hold(client, id, member, mode, token, DateTimeOffset.UtcNow));
        var takeover = state.Takeover;
        state.Takeover = null;
        return new RelayMessage(op, id) { Token = token, Takeover = takeover };
    }

    /// <summary>Grants the pending upgrade, then waiters from the head of the queue, while they fit.</summary>
    private static void Pump(NameState state, List<(Client, RelayMessage)> sends)
    {
        if (state.Upgrade is { } upgrade)
        {
            if (state.Holders.Count != 1)
            {
                return;
            }

            state.Holders[0] = state.Holders[0] with { Mode = LockMode.Exclusive, Token = ++state.LastToken };
            state.Upgrade = null;
            sends.Add((upgrade.Client, new RelayMessage("granted", upgrade.Id) { Token = state.LastToken }));
        }

        while (state.Queue.Count > 0 && Admits(state, state.Queue[0].Mode))
        {
            var next = state.Queue[0];
            state.Queue.RemoveAt(0);
            sends.Add((next.Client, Grant(state, next.Client, next.Id, next.Member, next.Mode, "granted")));
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var client = new Client(new StreamWriter(stream, new UTF8Encoding(false)));
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                var request = JsonSerializer.Deserialize<RelayMessage>(line, RelayMessage.Json)!;
                var sends = new List<(Client, RelayMessage)>();
                lock (_gate)
                {
                    Handle(client, request, sends);
                }

                Send(sends);
            }
        }
        catch (IOException)
        {
            // The client died: handled below like a clean disconnect.
        }
        finally
        {
            var sends = new List<(Client, RelayMessage)>();
            lock (_gate)
            {
                foreach (var state in _names.Values)
                {
                    state.Queue.RemoveAll(w => w.Client == client);
                    if (state.Upgrade?.Client == client)
                    {
                        state.Upgrade = null;
                    }

                    foreach (var hold in state.Holders.FindAll(h => h.Client == client))
                    {
                        state.Holders.Remove(hold);
                        state.Takeover = new TakeoverNotice(hold.Member, hold.Token, TakeoverReason.HolderCrashed, DateTimeOffset.UtcNow);
                    }

                    Pump(state, sends);
                }
            }

            Send(sends);
        }
    }

    private void Handle(Client client, RelayMessage request, List<(Client, RelayMessage)> sends)
    {
        switch (request.Op)
        {
            case "acquire":
            {
                var key = (request.Kind, request.Name!);
                if (!_names.TryGetValue(key, out var state))
                {
                    _names[key] = state = new NameState();
                }

                state.MaxCount = request.MaxCount;
                if (state.Queue.Count == 0 && state.Upgrade is null && Admits(state, request.Mode))
                {
                    sends.Add((client, Grant(state, client, request.Id, request.Member!, request.Mode, "now")));
                }
                else if (request.Wait)
                {
                    state.Queue.Add(new Waiter(client, request.Id, request.Member!, request.Mode, DateTimeOffset.UtcNow));
                    sends.Add((client, new RelayMessage("queued", request.Id)));
                }
                else
                {
                    sends.Add((client, new RelayMessage("denied", request.Id)));
                }

                break;
            }

            case "upgrade":
            {
                var state = _names.Values.First(s => s.Holders.Exists(h => h.Client == client && h.Id == request.Target));
                if (state.Holders.Count == 1)
                {
                    state.Holders[0] = state.Holders[0] with { Mode = LockMode.Exclusive, Token = ++state.LastToken };
                    sends.Add((client, new RelayMessage("now", request.Id) { Token = state.LastToken }));
                }
                else if (request.Wait && state.Upgrade is null)
                {
                    state.Upgrade = new Waiter(client, request.Id, request.Member!, LockMode.Exclusive, DateTimeOffset.UtcNow);
                    sends.Add((client, new RelayMessage("queued", request.Id)));
                }
                else
                {
                    sends.Add((client, new RelayMessage("denied", request.Id)));
                }

                break;
            }

            case "withdraw":
            {
                var withdrawn = false;
                foreach (var state in _names.Values)
                {
                    if (state.Queue.RemoveAll(w => w.Client == client && w.Id == request.Target) > 0)
                    {
                        withdrawn = true;
                        Pump(state, sends);
                    }

                    if (state.Upgrade is { } upgrade && upgrade.Client == client && upgrade.Id == request.Target)
                    {
                        withdrawn = true;
                        state.Upgrade = null;
                        Pump(state, sends);
                    }
                }

                sends.Add((client, new RelayMessage("withdrawn", request.Id) { Ok = withdrawn }));
                break;
            }

            case "release":
            {
                foreach (var state in _names.Values)
                {
                    if (state.Holders.RemoveAll(h => h.Client == client && h.Id == request.Target) > 0)
                    {
                        Pump(state, sends);
                    }
                }

                sends.Add((client, new RelayMessage("released", request.Id)));
                break;
            }

            case "list":
            {
                var now = DateTimeOffset.UtcNow;
                var locks = _names
                    .Where(entry => entry.Value.Holders.Count > 0 || entry.Value.Queue.Count > 0)
                    .Select(entry => new LockInfo(
                        entry.Key.Name,
                        entry.Key.Kind,
                        entry.Value.MaxCount,
                        [.. entry.Value.Holders.Select(h => new LockHolder(h.Member, h.Mode, h.Token, h.Since))],
                        [.. entry.Value.Queue.Select(w => new LockWaiter(w.Member, w.Mode, w.Since))],
                        now))
                    .ToList();
                sends.Add((client, new RelayMessage("list", request.Id) { Locks = locks }));
                break;
            }

            default:
                throw new InvalidOperationException($"Unknown relay request '{request.Op}'.");
        }
    }

    private static void Send(List<(Client Client, RelayMessage Message)> sends)
    {
        foreach (var (client, message) in sends)
        {
            client.Send(message);
        }
    }

    private sealed record Hold(Client Client, string Id, MemberIdentity Member, LockMode Mode, long Token, DateTimeOffset Since);

    private sealed record Waiter(Client Client, string Id, MemberIdentity Member, LockMode Mode, DateTimeOffset Since);

    private sealed class NameState
    {
        public int MaxCount { get; set; } = 1;

        public long LastToken { get; set; }

        public List<Hold> Holders { get; } = [];

        public List<Waiter> Queue { get; } = [];

        public Waiter? Upgrade { get; set; }

        public TakeoverNotice? Takeover { get; set; }
    }

    private sealed class Client(StreamWriter writer)
    {
        private readonly Lock _gate = new();

        public void Send(RelayMessage message)
        {
            lock (_gate)
            {
                try
                {
                    writer.Write(JsonSerializer.Serialize(message, RelayMessage.Json));
                    writer.Write('\n');
                    writer.Flush();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // The client is gone; its reader cleans up.
                }
            }
        }
    }
}

/// <summary>One line of the relay protocol, in either direction.</summary>
internal sealed record RelayMessage(string Op, string Id)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    public LockKind Kind { get; init; }

    public string? Name { get; init; }

    public LockMode Mode { get; init; }

    public int MaxCount { get; init; }

    public bool Wait { get; init; }

    public MemberIdentity? Member { get; init; }

    /// <summary>The hold or queue entry a release, withdraw or upgrade is about.</summary>
    public string? Target { get; init; }

    public long Token { get; init; }

    public TakeoverNotice? Takeover { get; init; }

    public bool Ok { get; init; }

    public IReadOnlyList<LockInfo>? Locks { get; init; }
}
