using Baton.Etcd.Keys;
using Google.Protobuf;

namespace Baton.Etcd.Queue;

/// <summary>A name's keys, built once per primitive.</summary>
internal sealed class PreparedName(KeyLayout layout, LockKind kind, string name)
{
    public LockKind Kind { get; } = kind;

    public string Name { get; } = name;

    /// <summary>The contender prefix, <c>&lt;prefix&gt;&lt;name&gt;/</c>.</summary>
    public ByteString Contenders { get; } = layout.Contenders(name);

    public ByteString ContendersEnd { get; } = KeyLayout.RangeEnd(layout.Contenders(name));

    public ByteString Records { get; } = layout.Records(name);

    public ByteString RecordsEnd { get; } = KeyLayout.RangeEnd(layout.Records(name));

    public ByteString Record(string suffix) => Bytes.Join(Records, suffix);
}
