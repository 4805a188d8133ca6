using Etcdserverpb;
using Google.Protobuf;

namespace Baton.Etcd.Keys;

/// <summary>The request and comparison pieces of Baton's transactions.</summary>
internal static class Ops
{
    public static RequestOp Put(ByteString key, ByteString value, long lease = 0) =>
        new() { RequestPut = new PutRequest { Key = key, Value = value, Lease = lease } };

    public static RequestOp Range(ByteString key, ByteString end) =>
        new() { RequestRange = new RangeRequest { Key = key, RangeEnd = end } };

    public static RequestOp Delete(ByteString key) =>
        new() { RequestDeleteRange = new DeleteRangeRequest { Key = key } };

    /// <summary>The key exists with this create revision: it is still the very key written then, not a newer one.</summary>
    public static Compare Created(ByteString key, long revision) =>
        new() { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = revision };

    /// <summary>No key exists in [key, end).</summary>
    public static Compare Empty(ByteString key, ByteString end) =>
        new() { Key = key, RangeEnd = end, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };

    /// <summary>Every key in [key, end) was created at <paramref name="revision"/> or later: none is older.</summary>
    public static Compare NoneOlder(ByteString key, ByteString end, long revision) =>
        new() { Key = key, RangeEnd = end, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = revision - 1 };

    /// <summary>The key was last written at this revision.</summary>
    public static Compare Modified(ByteString key, long revision) =>
        new() { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = revision };
}
