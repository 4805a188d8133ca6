using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Baton.Hostile.Tests.Servers;

/// <summary>
/// A TCP server on 127.0.0.1 that misbehaves the same way on every connection, for the client of one protocol:
/// <c>redis</c> (RESP; <c>redis-intmax</c> announces a blob of int.MaxValue bytes), <c>postgres</c> (the PostgreSQL wire protocol), <c>etcd</c> (gRPC over HTTP/2) or
/// <c>zookeeper</c> (jute). Disposing it closes the listener and every connection.
/// </summary>
internal sealed class GarbageServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private readonly string _protocol;
    private readonly Misbehaviour _misbehaviour;
    private readonly int _seed;
    private int _accepted;

    public GarbageServer(string protocol, Misbehaviour misbehaviour, int seed)
    {
        _protocol = protocol;
        _misbehaviour = misbehaviour;
        _seed = seed;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections the client made (a client that never connected proves nothing).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var number = Interlocked.Increment(ref _accepted);
            lock (_connections)
            {
                _connections.Add(ServeAsync(client, number));
            }
        }
    }

    private async Task ServeAsync(TcpClient client, int number)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                switch (_misbehaviour)
                {
                    case Misbehaviour.CloseAtOnce:
                        client.Client.LingerState = new LingerOption(true, 0); // a reset, not even a polite FIN
                        return;
                    case Misbehaviour.RandomBytes:
                        var noise = new byte[4096];
                        new Random(_seed + number).NextBytes(noise);
                        await stream.WriteAsync(noise, _stop.Token);
                        break;
                    case Misbehaviour.HugeLength:
                        await AnnounceHugeLengthAsync(stream);
                        break;
                }

                await DrainAsync(stream);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client hung up, or the test is over.
            }
        }
    }

    /// <summary>Waits for the client's first bytes, then announces a frame or value of 512 MB to 2 GB (16 MB for HTTP/2) and sends nothing more.</summary>
    private async Task AnnounceHugeLengthAsync(NetworkStream stream)
    {
        var buffer = new byte[65536];
        var read = await stream.ReadAsync(buffer, _stop.Token);
        byte[] reply;
        switch (_protocol)
        {
            case "redis":
                // A bulk string of 512 MB (the most a Redis server's proto-max-bulk-len allows), then a few bytes of it.
                // Not 2 GB: StackExchange.Redis 3.4.35 crashes the process on a length near int.MaxValue (docs/RELIABILITY.md).
                reply = "$536870912\r\nabc"u8.ToArray();
                break;
            case "redis-intmax":
                // What crashes StackExchange.Redis 3.4.35 (docs/RELIABILITY.md): for checking a newer version by hand.
                reply = "$2147483647\r\nabc"u8.ToArray();
                break;
            case "postgres":
                if (read >= 8 && BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(4)) == 80877103)
                {
                    // SSLRequest: no TLS here, then the startup message.
                    await stream.WriteAsync("N"u8.ToArray(), _stop.Token);
                    _ = await stream.ReadAsync(buffer, _stop.Token);
                }

                // An authentication request whose length says 2 GB.
                reply = [(byte)'R', 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0];
                break;
            case "etcd":
                // An HTTP/2 server preface: a SETTINGS frame announcing 16 MB, far beyond the 16 KB frame size allowed.
                reply = [0xff, 0xff, 0xff, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
                break;
            case "zookeeper":
                // A connect response framed as 2 GB.
                reply = [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0];
                break;
            default:
                throw new InvalidOperationException($"No framing known for '{_protocol}'.");
        }

        await stream.WriteAsync(reply, _stop.Token);
    }

    private async Task DrainAsync(NetworkStream stream)
    {
        var buffer = new byte[65536];
        while (await stream.ReadAsync(buffer, _stop.Token) > 0)
        {
        }
    }
}
