using Google.Protobuf;

namespace Baton.Etcd.Keys;

/// <summary>Small helpers for etcd's byte-string keys.</summary>
internal static class Bytes
{
    public static ByteString Join(ByteString head, string tail)
    {
        var tailBytes = System.Text.Encoding.UTF8.GetBytes(tail);
        var joined = new byte[head.Length + tailBytes.Length];
        head.Span.CopyTo(joined);
        tailBytes.CopyTo(joined, head.Length);
        return UnsafeByteOperations.UnsafeWrap(joined);
    }
}
