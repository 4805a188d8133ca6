using Baton.ZooKeeper.Client.Jute;

namespace Baton.ZooKeeper.Client.Protocol;

/// <summary>The header of every reply.</summary>
internal readonly record struct ReplyHeader(int Xid, long Zxid, int Error)
{
    public static ReplyHeader Read(ref JuteReader reader) => new(reader.ReadInt(), reader.ReadLong(), reader.ReadInt());
}

/// <summary>The server's answer to a ConnectRequest; a timeout of 0 means the session presented has expired.</summary>
internal readonly record struct ConnectResponse(int ProtocolVersion, int TimeoutMilliseconds, long SessionId, byte[] Password)
{
    public static ConnectResponse Read(ref JuteReader reader)
    {
        var response = new ConnectResponse(reader.ReadInt(), reader.ReadInt(), reader.ReadLong(), reader.ReadBuffer());

        // Servers since 3.4 append a read-only flag; older ones do not.
        if (reader.Remaining > 0)
        {
            reader.ReadBool();
        }

        if (reader.Remaining != 0)
        {
            throw new ZooKeeperProtocolException($"the connect response has {reader.Remaining} unexpected trailing bytes");
        }

        return response;
    }
}

/// <summary>Writers of the request records shared by single calls and multi.</summary>
internal static class RequestRecords
{
    public const int PasswordLength = 16;

    public static void WriteConnectRequest(JuteWriter writer, long lastZxidSeen, int timeoutMilliseconds, long sessionId, ReadOnlySpan<byte> password)
    {
        var start = writer.BeginFrame();
        writer.WriteInt(0); // protocol version
        writer.WriteLong(lastZxidSeen);
        writer.WriteInt(timeoutMilliseconds);
        writer.WriteLong(sessionId);
        writer.WriteBuffer(password);
        writer.WriteBool(false); // read-only not wanted
        writer.EndFrame(start);
    }

    public static void WriteCreate(JuteWriter writer, string path, ReadOnlySpan<byte> data, IReadOnlyList<ZooKeeperAcl> acl, CreateMode mode)
    {
        writer.WriteString(path);
        writer.WriteBuffer(data);
        writer.WriteInt(acl.Count);
        foreach (var entry in acl)
        {
            writer.WriteInt(entry.Permissions);
            writer.WriteString(entry.Scheme);
            writer.WriteString(entry.Id);
        }

        writer.WriteInt((int)mode);
    }

    public static void WritePathVersion(JuteWriter writer, string path, int version)
    {
        writer.WriteString(path);
        writer.WriteInt(version);
    }

    public static void WritePathWatch(JuteWriter writer, string path, bool watch)
    {
        writer.WriteString(path);
        writer.WriteBool(watch);
    }

    public static void WriteSetData(JuteWriter writer, string path, ReadOnlySpan<byte> data, int version)
    {
        writer.WriteString(path);
        writer.WriteBuffer(data);
        writer.WriteInt(version);
    }

    public static void WriteMultiHeader(JuteWriter writer, int type, bool done, int error)
    {
        writer.WriteInt(type);
        writer.WriteBool(done);
        writer.WriteInt(error);
    }
}
