using System.Net;
using System.Net.Sockets;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Protocol;
using Microsoft.Extensions.Logging;

namespace Baton.ZooKeeper.Client.Connection;

/// <summary>The session a handshake asks for: new (id 0) or the one to resume.</summary>
internal readonly record struct SessionRequest(long LastZxidSeen, int TimeoutMilliseconds, long SessionId, byte[] Password);

/// <summary>setWatches frames to send first on a new connection, so changes made while disconnected still fire.</summary>
internal sealed class SetWatchesPlan(ReadOnlyMemory<byte> frames)
{
    // The server's default jute.maxbuffer is 1 MiB; ZooKeeper's own client splits at 128 KiB.
    private const int MaxPathBytesPerFrame = 128 * 1024;

    public ReadOnlyMemory<byte> Frames { get; } = frames;

    public static SetWatchesPlan? Create(long relativeZxid, string? chroot, List<string> data, List<string> exist, List<string> child)
    {
        if (data.Count + exist.Count + child.Count == 0)
        {
            return null;
        }

        var writer = new JuteWriter();
        var queues = new[] { new Queue<string>(data), new Queue<string>(exist), new Queue<string>(child) };
        while (queues.Any(queue => queue.Count > 0))
        {
            var frame = writer.BeginFrame();
            writer.WriteInt(Xids.SetWatches);
            writer.WriteInt(OpCodes.SetWatches);
            writer.WriteLong(relativeZxid);
            var budget = MaxPathBytesPerFrame;
            foreach (var queue in queues)
            {
                var countAt = writer.Length;
                writer.WriteInt(0);
                var count = 0;
                while (queue.Count > 0 && (budget > 0 || count == 0))
                {
                    var path = PathRules.Prepend(chroot, queue.Dequeue());
                    writer.WriteString(path);
                    budget -= path.Length + 4;
                    count++;
                }

                writer.PatchInt(countAt, count);
            }

            writer.EndFrame(frame);
        }

        return new SetWatchesPlan(writer.WrittenMemory);
    }
}

internal sealed partial class ZooKeeperConnection
{
    /// <summary>
    /// Connects, establishes or resumes the session and presents the credentials. Throws
    /// <see cref="ZooKeeperException"/> with <see cref="ZooKeeperErrorCode.SessionExpired"/> when the server says the
    /// session is gone, or <see cref="ZooKeeperErrorCode.AuthFailed"/> when it refuses the credentials; anything else
    /// is a failure of this server only.
    /// </summary>
    public static async Task<ZooKeeperConnection> OpenAsync(
        DnsEndPoint endpoint,
        SessionRequest session,
        IReadOnlyList<ZooKeeperAuth> auth,
        int maxFrameLength,
        IConnectionOwner owner,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ZooKeeperConnection? connection = null;
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            connection = new ZooKeeperConnection(endpoint, socket, maxFrameLength, owner, time, logger);
            await connection.HandshakeAsync(session, auth, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            if (connection is null)
            {
                socket.Dispose();
            }
            else
            {
                connection.Dispose();
            }

            throw;
        }
    }

    private async Task HandshakeAsync(SessionRequest session, IReadOnlyList<ZooKeeperAuth> auth, CancellationToken cancellationToken)
    {
        var writer = new JuteWriter();
        RequestRecords.WriteConnectRequest(writer, session.LastZxidSeen, session.TimeoutMilliseconds, session.SessionId, session.Password);
        await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);

        var frame = await _frames.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        Response = ParseConnectResponse(frame);
        if (Response.TimeoutMilliseconds <= 0)
        {
            throw new ZooKeeperException(ZooKeeperErrorCode.SessionExpired, null, "the server no longer knows the session");
        }

        foreach (var credentials in auth)
        {
            writer.Clear();
            var start = writer.BeginFrame();
            writer.WriteInt(Xids.Auth);
            writer.WriteInt(OpCodes.Auth);
            writer.WriteInt(0);
            writer.WriteString(credentials.Scheme);
            writer.WriteBuffer(credentials.Data);
            writer.EndFrame(start);
            await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);

            var reply = await _frames.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            var header = ParseHeader(reply);
            if (header.Xid != Xids.Auth)
            {
                throw new ZooKeeperProtocolException($"expected the reply to the credentials, got xid {header.Xid}");
            }

            if (header.Error != 0)
            {
                throw new ZooKeeperException(ZooKeeperErrorCode.AuthFailed, null, $"the server refused the '{credentials.Scheme}' credentials");
            }
        }
    }

    /// <summary>Sends closeSession on a connection that runs no loops, and waits for its answer (or the server closing).</summary>
    public async Task CloseSessionAsync(CancellationToken cancellationToken)
    {
        var writer = new JuteWriter();
        var start = writer.BeginFrame();
        writer.WriteInt(1);
        writer.WriteInt(OpCodes.CloseSession);
        writer.EndFrame(start);
        await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        try
        {
            while (ParseHeader(await _frames.ReadFrameAsync(cancellationToken).ConfigureAwait(false)).Xid != 1)
            {
            }
        }
        catch (EndOfStreamException)
        {
            // The server closes the connection once the session is closed.
        }
    }

    private static ConnectResponse ParseConnectResponse(byte[] frame)
    {
        var reader = new JuteReader(frame);
        var response = ConnectResponse.Read(ref reader);
        if (response.TimeoutMilliseconds > 0 && response.Password.Length != RequestRecords.PasswordLength)
        {
            throw new ZooKeeperProtocolException($"the session password has {response.Password.Length} bytes, not {RequestRecords.PasswordLength}");
        }

        if (response.ProtocolVersion != 0)
        {
            throw new ZooKeeperProtocolException($"unknown protocol version {response.ProtocolVersion}");
        }

        return response;
    }

    private static ReplyHeader ParseHeader(byte[] frame)
    {
        var reader = new JuteReader(frame);
        return ReplyHeader.Read(ref reader);
    }
}
