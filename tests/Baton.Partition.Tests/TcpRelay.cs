using System.Net;
using System.Net.Sockets;

namespace Baton.Partition.Tests;

/// <summary>
/// Forwards connections from the namespace's side of the veth pair to a server listening on 127.0.0.1 (the test
/// servers listen nowhere else). It only carries bytes: when the namespace is cut off, nothing reaches the server,
/// exactly as if the server itself were behind the partition, while clients on this side reach it directly.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    private TcpRelay(IPAddress listenAddress, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(listenAddress, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The port it listens on, at the listen address.</summary>
    public int Port { get; }

    /// <summary>Starts relaying <paramref name="listenAddress"/>:(any port) to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public static TcpRelay Start(string listenAddress, int targetPort) =>
        new(IPAddress.Parse(listenAddress), new IPEndPoint(IPAddress.Loopback, targetPort));

    /// <summary>Closes every relayed connection at once (both sides), as a server that finally notices a dead peer does.</summary>
    public void CloseConnections()
    {
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _sockets.Clear();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CloseConnections();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            _ = RelayAsync(client, server);
        }
    }

    private async Task RelayAsync(Socket client, Socket server)
    {
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
