using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Client.Jute;

namespace Baton.ZooKeeper.Tests.Support;

/// <summary>A TCP server on 127.0.0.1 that plays a scripted, usually broken, ZooKeeper to each connection, and hangs up when the script ends.</summary>
internal sealed class FakeZooKeeperServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<NetworkStream, CancellationToken, Task> _script;
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accepting;

    public FakeZooKeeperServer(Func<NetworkStream, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public DnsEndPoint Endpoint => new("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

    public int Connections { get; private set; }

    public ZooKeeperClientOptions Options(TimeSpan connectTimeout) => new()
    {
        Servers = [Endpoint],
        SessionTimeout = TimeSpan.FromSeconds(2),
        ConnectTimeout = connectTimeout,
    };

    public static async Task<byte[]> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, cancellationToken);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return payload;
    }

    /// <summary>A well-formed ConnectResponse granting <paramref name="timeoutMs"/>.</summary>
    public static byte[] ConnectResponse(int timeoutMs, long sessionId = 0x1234)
    {
        var writer = new JuteWriter();
        var start = writer.BeginFrame();
        writer.WriteInt(0);
        writer.WriteInt(timeoutMs);
        writer.WriteLong(sessionId);
        writer.WriteBuffer(new byte[16]);
        writer.WriteBool(false);
        writer.EndFrame(start);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the connect request and grants a session; then reads (and ignores) every request.</summary>
    public static Func<NetworkStream, CancellationToken, Task> Silent(int timeoutMs, Func<byte[], NetworkStream, CancellationToken, Task>? onRequest = null) =>
        async (stream, cancellationToken) =>
        {
            await ReadFrameAsync(stream, cancellationToken);
            await stream.WriteAsync(ConnectResponse(timeoutMs), cancellationToken);
            while (true)
            {
                var request = await ReadFrameAsync(stream, cancellationToken);
                var xid = BinaryPrimitives.ReadInt32BigEndian(request);
                if (xid > 0 && onRequest is not null)
                {
                    await onRequest(request, stream, cancellationToken);
                }
            }
        };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        try
        {
            await _accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Connections++;
            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await _script(client.GetStream(), _stop.Token);
                }
                catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException or SocketException or EndOfStreamException)
                {
                }
                finally
                {
                    // A script that ends hangs up, as a server does.
                    client.Dispose();
                }
            });
        }
    }
}
