using Baton.Etcd.Keys;
using Google.Protobuf;

namespace Baton.Etcd.Queue;

/// <summary>A name's keys, built once per primitive.</summary>
internal sealed class PreparedName(KeyLayout layout, LockKind kind, string name)
{
    public LockKind Kind { get; } = kind;

    public string Name { get; } = name;

    /// <summary>The contender prefix, <c>&lt;prefix&gt;&lt;name&gt;/</c> (a group's in the group namespace).</summary>
    public ByteString Contenders { get; } = layout.Contenders(kind, name);

    public ByteString ContendersEnd { get; } = KeyLayout.RangeEnd(layout.Contenders(kind, name));

    public ByteString Records { get; } = layout.Records(kind, name);

    public ByteString RecordsEnd { get; } = KeyLayout.RangeEnd(layout.Records(kind, name));

    /// <summary>
    /// Whether a key is one of this name's contenders: directly under its prefix (not a longer name's) and of its
    /// kind (a lock and the semaphore of the same name share the prefix).
    /// </summary>
    public bool Owns(ByteString key) =>
        key.Span.StartsWith(Contenders.Span)
        && KeyLayout.DirectSuffix(Contenders, key) is { } suffix && KeyLayout.IsSemaphoreSuffix(suffix) == (Kind == LockKind.Semaphore);

    public ByteString Record(string suffix) => Bytes.Join(Records, suffix);
}
