using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Baton.Backends;
using Baton.Tests.CrossProcess.Relay;

[assembly: BackendProvider(typeof(RelayBackendProvider))]

namespace Baton.Tests.CrossProcess.Relay;

/// <summary>
/// <c>relay:///path/to/socket</c>: a client of <see cref="RelayLockServer"/>. Registered in the test
/// process, and loaded by the holder children with <c>--load</c> (the attribute above names it).
/// </summary>
internal sealed class RelayBackendProvider : IBackendProvider
{
    public IReadOnlyList<string> Schemes { get; } = ["relay"];

    public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        if (context.Url.Path.Length == 0)
        {
            throw new ArgumentException($"'{context.Url}' names no socket: use relay:///path/to/socket.", nameof(context));
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(context.Url.Path), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RelayBackend(socket, context.Member);
    }
}

/// <summary>One session with the relay server; its holds end when it closes.</summary>
internal sealed class RelayBackend : CoordinationBackend
{
    private readonly NetworkStream _stream;
    private readonly StreamWriter _writer;
    private readonly Lock _writeGate = new();
    private readonly MemberIdentity _member;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RelayMessage>> _replies = new();
    private readonly ConcurrentDictionary<string, Action<RelayMessage>> _pushes = new();
    private readonly ConcurrentDictionary<string, RelayGrant> _grants = new();
    private long _lastId;

    public RelayBackend(Socket socket, MemberIdentity member)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _writer = new StreamWriter(_stream, new UTF8Encoding(false));
        _member = member;
        _ = ReadAsync();
    }

    public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        var id = NextId("a");
        var ticket = new RelayTicket(this, id);
        if (request.Wait)
        {
            _pushes[id] = granted => ticket.Complete(NewGrant(id, request.Mode, granted));
        }

        var reply = await CallAsync(new RelayMessage("acquire", id)
        {
            Kind = request.Kind,
            Name = request.Name,
            Mode = request.Mode,
            MaxCount = request.MaxCount,
            Wait = request.Wait,
            Member = request.Member,
        });
        if (reply.Op != "queued")
        {
            _pushes.TryRemove(id, out _);
        }

        return reply.Op switch
        {
            "now" => AcquisitionStart.Granted(NewGrant(id, request.Mode, reply)),
            "queued" => AcquisitionStart.Queued(ticket),
            _ => AcquisitionStart.Denied,
        };
    }

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken) =>
        (await CallAsync(new RelayMessage("list", NextId("l")))).Locks ?? [];

    public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The relay test backend cannot break locks.");

    public override ValueTask DisposeAsync()
    {
        _stream.Dispose();
        return default;
    }

    internal async ValueTask<AcquisitionStart> StartUpgradeAsync(RelayGrant grant, bool wait)
    {
        var id = NextId("u");
        var ticket = new RelayTicket(this, id);
        if (wait)
        {
            _pushes[id] = granted =>
            {
                grant.Upgraded(granted.Token);
                ticket.Complete(grant);
            };
        }

        var reply = await CallAsync(new RelayMessage("upgrade", id) { Target = grant.Id, Wait = wait, Member = _member });
        if (reply.Op != "queued")
        {
            _pushes.TryRemove(id, out _);
        }

        switch (reply.Op)
        {
            case "now":
                grant.Upgraded(reply.Token);
                return AcquisitionStart.Granted(grant);
            case "queued":
                return AcquisitionStart.Queued(ticket);
            default:
                return AcquisitionStart.Denied;
        }
    }

    internal async Task<bool> WithdrawAsync(string ticketId) =>
        (await CallAsync(new RelayMessage("withdraw", NextId("w")) { Target = ticketId })).Ok;

    internal async Task ReleaseAsync(string holdId)
    {
        _grants.TryRemove(holdId, out _);
        await CallAsync(new RelayMessage("release", NextId("r")) { Target = holdId });
    }

    private RelayGrant NewGrant(string id, LockMode mode, RelayMessage granted)
    {
        var grant = new RelayGrant(this, id, mode, granted.Token, granted.Takeover);
        _grants[id] = grant;
        return grant;
    }

    private string NextId(string prefix) => prefix + Interlocked.Increment(ref _lastId).ToString(CultureInfo.InvariantCulture);

    private Task<RelayMessage> CallAsync(RelayMessage request)
    {
        var reply = new TaskCompletionSource<RelayMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[request.Id] = reply;
        lock (_writeGate)
        {
            try
            {
                _writer.Write(JsonSerializer.Serialize(request, RelayMessage.Json));
                _writer.Write('\n');
                _writer.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _replies.TryRemove(request.Id, out _);
                reply.TrySetException(new IOException("The relay connection is closed.", e));
            }
        }

        return reply.Task;
    }

    private async Task ReadAsync()
    {
        using var reader = new StreamReader(_stream, Encoding.UTF8);
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                var message = JsonSerializer.Deserialize<RelayMessage>(line, RelayMessage.Json)!;
                if (message.Op == "granted" && _pushes.TryRemove(message.Id, out var push))
                {
                    push(message);
                }
                else if (_replies.TryRemove(message.Id, out var reply))
                {
                    reply.TrySetResult(message);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The session ended.
        }

        foreach (var reply in _replies.Values)
        {
            reply.TrySetException(new IOException("The relay connection closed."));
        }

        foreach (var grant in _grants.Values)
        {
            grant.Lose();
        }
    }
}

internal sealed class RelayTicket(RelayBackend backend, string id) : AcquisitionTicket
{
    private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task<LockGrant> Granted => _granted.Task;

    public void Complete(LockGrant grant) => _granted.TrySetResult(grant);

    public override async ValueTask<bool> WithdrawAsync()
    {
        if (_granted.Task.IsCompleted)
        {
            return !_granted.Task.IsCompletedSuccessfully;
        }

        // The server answers in order: a grant sent before the withdrawal arrives first.
        if (await backend.WithdrawAsync(id))
        {
            _granted.TrySetCanceled();
            return true;
        }

        return !_granted.Task.IsCompletedSuccessfully;
    }
}

internal sealed class RelayGrant(RelayBackend backend, string id, LockMode mode, long fencingToken, TakeoverNotice? takeover)
    : LockGrant(fencingToken, takeover)
{
    private LockMode _mode = mode;

    public string Id => id;

    public override LockMode Mode => _mode;

    public override async ValueTask ReleaseAsync() => await backend.ReleaseAsync(id);

    public override ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken) =>
        backend.StartUpgradeAsync(this, wait);

    public void Upgraded(long token)
    {
        FencingToken = token;
        _mode = LockMode.Exclusive;
    }

    public void Lose() => SignalLost(Baton.LossReason.ConnectionLost);
}
