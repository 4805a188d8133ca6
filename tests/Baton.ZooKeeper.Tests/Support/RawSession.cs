using System.Net;
using System.Net.Sockets;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Protocol;

namespace Baton.ZooKeeper.Tests.Support;

/// <summary>Speaks just enough of the protocol by hand to take over a session and close it.</summary>
internal static class RawSession
{
    public static async Task ResumeAndCloseAsync(DnsEndPoint endpoint, long sessionId, byte[] password)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(endpoint, timeout.Token);
        var writer = new JuteWriter();
        RequestRecords.WriteConnectRequest(writer, 0, 4000, sessionId, password);
        var close = writer.BeginFrame();
        writer.WriteInt(1);
        writer.WriteInt(OpCodes.CloseSession);
        writer.EndFrame(close);

        // Both at once: the close follows the handshake without a round trip in between.
        await socket.SendAsync(writer.WrittenMemory, timeout.Token);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            // Closed by the server, as expected.
        }
    }
}
