using System.Net;
using Microsoft.Extensions.Logging;
using System.Net.Sockets;
using System.Threading.Channels;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Protocol;

namespace Baton.ZooKeeper.Client.Connection;

/// <summary>
/// One TCP connection to one server of the ensemble, after its handshake: a write loop that pipelines requests and
/// pings when idle, and a read loop that matches replies to requests by xid, in order.
/// </summary>
internal sealed partial class ZooKeeperConnection : IDisposable
{
    private readonly NetworkStream _stream;
    private readonly FrameStream _frames;
    private readonly IConnectionOwner _owner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Queue<PendingRequest> _inFlight = new();
    private readonly Queue<long> _pings = new();
    private bool _closed;

    private ZooKeeperConnection(DnsEndPoint endpoint, Socket socket, int maxFrameLength, IConnectionOwner owner, TimeProvider time, ILogger logger)
    {
        Endpoint = endpoint;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _frames = new FrameStream(_stream, maxFrameLength);
        _owner = owner;
        _time = time;
        _logger = logger;
    }

    public DnsEndPoint Endpoint { get; }

    public ConnectResponse Response { get; private set; }

    public string Name => $"{Endpoint.Host}:{Endpoint.Port}";

    /// <summary>Runs the connection until it fails or <paramref name="lifetime"/> ends; returns why it ended.</summary>
    /// <remarks>Requests in flight when it ends fail with <see cref="IConnectionOwner.LostRequestError"/>.</remarks>
    public async Task<string> RunAsync(ChannelReader<PendingRequest> requests, SetWatchesPlan? watches, TimeSpan sessionTimeout, CancellationToken lifetime)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        Task? reading = null;
        Task? writing = null;
        Exception? failure = null;
        try
        {
            if (watches is not null)
            {
                await _stream.WriteAsync(watches.Frames, stop.Token).ConfigureAwait(false);
            }

            // ZooKeeper's own client: silence for 2/3 of the session timeout means the server is gone, and an idle
            // client pings every third so that a healthy server is never that silent.
            reading = ReadLoopAsync(sessionTimeout * 2 / 3, stop.Token);
            writing = WriteLoopAsync(requests, sessionTimeout / 3, stop.Token);
            var first = await Task.WhenAny(reading, writing).ConfigureAwait(false);
            failure = first.Exception?.InnerException ?? (first.IsCanceled ? null : new EndOfStreamException("the client stopped sending"));
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            failure = exception;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            Close();
            await Quietly(reading).ConfigureAwait(false);
            await Quietly(writing).ConfigureAwait(false);
            _frames.Dispose();
            FailInFlight();
        }

        return lifetime.IsCancellationRequested && failure is null or OperationCanceledException ? "the client closed it" : Describe(failure);
    }

    /// <summary>Closes the socket: pending reads and writes end at once.</summary>
    /// <remarks>The read buffer stays: a read may still be unwinding on it (<see cref="Dispose"/> frees it once none is).</remarks>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }

        _stream.Dispose();
    }

    /// <summary>Closes the socket and frees the read buffer; only when no read is pending.</summary>
    public void Dispose()
    {
        Close();
        _frames.Dispose();
    }

    internal static string Describe(Exception? failure) => failure switch
    {
        null => "closed",
        ZooKeeperProtocolException protocol => $"protocol error: {protocol.Message}",
        EndOfStreamException => "the server closed the connection",
        SocketException socket => $"{socket.SocketErrorCode}: {socket.Message}",
        IOException { InnerException: SocketException socket } => $"{socket.SocketErrorCode}: {socket.Message}",
        TimeoutException timeout => timeout.Message,
        OperationCanceledException => "timed out",
        _ => failure.Message,
    };

    private static async Task Quietly(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the connection is over and its cause already known; a second error changes nothing
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void FailInFlight()
    {
        List<PendingRequest> lost;
        lock (_gate)
        {
            _closed = true;
            lost = [.. _inFlight];
            _inFlight.Clear();
        }

        foreach (var request in lost)
        {
            request.Fail(_owner.LostRequestError(request.Path));
        }
    }

    private async Task WriteLoopAsync(ChannelReader<PendingRequest> requests, TimeSpan pingInterval, CancellationToken cancellationToken)
    {
        const int BatchLimit = 64 * 1024;
        var batch = new JuteWriter(BatchLimit);
        var lastSend = _time.GetTimestamp();
        Task<bool>? waiting = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Clear();
            var now = _time.GetTimestamp();
            while (batch.Length < BatchLimit && requests.TryRead(out var request))
            {
                if (request.IsAbandoned)
                {
                    continue;
                }

                request.Xid = _owner.NextXid();
                request.SentTimestamp = now;
                lock (_gate)
                {
                    if (_closed)
                    {
                        request.Fail(_owner.LostRequestError(request.Path));
                        throw new OperationCanceledException(cancellationToken);
                    }

                    // Queued before the bytes leave, so the reply can never arrive ahead of its entry.
                    _inFlight.Enqueue(request);
                }

                var start = batch.Length;
                batch.WriteRaw(request.Frame);
                batch.PatchInt(start + PendingRequest.XidOffset, request.Xid);
            }

            if (batch.Length > 0)
            {
                await _stream.WriteAsync(batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
                lastSend = now;
                continue;
            }

            waiting ??= requests.WaitToReadAsync(cancellationToken).AsTask();
            var untilPing = pingInterval - _time.GetElapsedTime(lastSend);
            if (untilPing > TimeSpan.Zero)
            {
                using var delayStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(untilPing, _time, delayStop.Token);
                if (await Task.WhenAny(waiting, delay).ConfigureAwait(false) == waiting)
                {
                    await delayStop.CancelAsync().ConfigureAwait(false);
                    if (!await waiting.ConfigureAwait(false))
                    {
                        return; // the session is over: no more requests
                    }

                    waiting = null;
                    continue;
                }
            }

            now = _time.GetTimestamp();
            lock (_gate)
            {
                _pings.Enqueue(now);
            }

            batch.Clear();
            var frame = batch.BeginFrame();
            batch.WriteInt(Xids.Ping);
            batch.WriteInt(OpCodes.Ping);
            batch.EndFrame(frame);
            await _stream.WriteAsync(batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
            lastSend = now;
        }
    }

    private async Task ReadLoopAsync(TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        using var silence = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
        while (true)
        {
            silence.CancelAfter(readTimeout);
            byte[] frame;
            try
            {
                frame = await _frames.ReadFrameAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (silence.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"heard nothing from the server for {readTimeout.TotalMilliseconds:0} ms");
            }

            Dispatch(frame);
        }
    }

    private void Dispatch(byte[] frame)
    {
        var reader = new JuteReader(frame);
        var header = ReplyHeader.Read(ref reader);
        switch (header.Xid)
        {
            case Xids.WatchEvent:
                var type = reader.ReadInt();
                var state = reader.ReadInt();
                var path = reader.ReadString();
                _owner.WatchEvent(type, state, path);
                return;
            case Xids.Ping:
                long sent;
                lock (_gate)
                {
                    if (!_pings.TryDequeue(out sent))
                    {
                        throw new ZooKeeperProtocolException("a ping reply arrived that no ping asked for");
                    }
                }

                _owner.Acknowledged(sent, 0);
                return;
            case Xids.Auth:
                // Credentials are answered during the handshake; a later refusal still ends the session.
                if (header.Error != 0)
                {
                    _owner.SessionEnded(ZooKeeperConnectionState.AuthFailed, "the server refused the credentials");
                    throw new ZooKeeperProtocolException("authentication failed");
                }

                return;
            case Xids.SetWatches:
                if (header.Error != 0)
                {
                    ClientLog.SetWatchesFailed(_logger, header.Error);
                }

                return;
            default:
                break;
        }

        PendingRequest? request;
        lock (_gate)
        {
            _inFlight.TryDequeue(out request);
        }

        if (request is null || request.Xid != header.Xid)
        {
            request?.Fail(new ZooKeeperException(ZooKeeperErrorCode.MarshallingError, request.Path, "the server answered out of order"));
            throw new ZooKeeperProtocolException(request is null
                ? $"a reply to xid {header.Xid} arrived, but no request is waiting"
                : $"a reply to xid {header.Xid} arrived while xid {request.Xid} was next");
        }

        _owner.Acknowledged(request.SentTimestamp, header.Zxid);
        if (header.Error == (int)ZooKeeperErrorCode.SessionExpired)
        {
            _owner.SessionEnded(ZooKeeperConnectionState.Expired, "the server reports the session expired");
        }

        try
        {
            request.Complete((ZooKeeperErrorCode)header.Error, ref reader);
        }
        catch (ZooKeeperProtocolException exception)
        {
            request.Fail(new ZooKeeperException(ZooKeeperErrorCode.MarshallingError, request.Path, $"malformed reply: {exception.Message}"));
            throw;
        }
    }
}
