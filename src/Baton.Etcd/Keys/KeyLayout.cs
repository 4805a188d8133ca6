using System.Globalization;
using System.Text;
using Google.Protobuf;

namespace Baton.Etcd.Keys;

/// <summary>
/// Where Baton's keys live. A name's contenders are etcd's own lock layout, <c>&lt;prefix&gt;&lt;name&gt;/&lt;suffix&gt;</c>, so
/// <c>etcdctl lock &lt;prefix&gt;&lt;name&gt;</c> queues with them: the suffix is the lease id in hex (what etcdctl writes), or
/// <c>&lt;lease&gt;-&lt;n&gt;</c> for a second request of the same coordinator, or <c>s-&lt;lease&gt;-&lt;n&gt;</c> for a semaphore's.
/// A key whose suffix holds another <c>/</c> belongs to a longer name and is ignored. Hold records, which outlive a
/// crashed holder's lease for the next holder's takeover notice, are kept apart under <c>&lt;prefix&gt;\0holds/&lt;name&gt;\0</c>:
/// names contain no NUL, so no name's keys can reach them. Groups live apart the same way, members under
/// <c>&lt;prefix&gt;\0groups/&lt;name&gt;/&lt;suffix&gt;</c> (suffixes as a lock's) and their records under
/// <c>&lt;prefix&gt;\0groups\0holds/&lt;name&gt;\0</c>: a group never meets a lock or semaphore of any name, not even in
/// <c>etcdctl lock</c> or <c>etcdctl elect</c> of the same name, which take every key under <c>&lt;prefix&gt;&lt;name&gt;/</c>.
/// </summary>
internal sealed class KeyLayout(string prefix)
{
    private const string RecordsInfix = "\0holds/";
    private const string GroupsInfix = "\0groups/";
    private const string GroupRecordsInfix = "\0groups\0holds/";

    public string Prefix { get; } = prefix;

    /// <summary>The first key of everything Baton keeps under the prefix (contenders and records).</summary>
    public ByteString All { get; } = ByteString.CopyFromUtf8(prefix.Length == 0 ? "\0" : prefix);

    /// <summary>The end of that range (exclusive).</summary>
    public ByteString AllEnd { get; } = prefix.Length == 0 ? ByteString.CopyFrom(0) : RangeEnd(ByteString.CopyFromUtf8(prefix));

    /// <summary>Where a name's contenders live: <c>&lt;prefix&gt;&lt;name&gt;/</c>, or the group namespace's.</summary>
    public ByteString Contenders(LockKind kind, string name) =>
        ByteString.CopyFromUtf8(Prefix + (kind == LockKind.Group ? GroupsInfix : string.Empty) + name + "/");

    public ByteString Records(LockKind kind, string name) =>
        ByteString.CopyFromUtf8(Prefix + (kind == LockKind.Group ? GroupRecordsInfix : RecordsInfix) + name + "\0");

    public static ByteString Key(ByteString contenders, string suffix) => Bytes.Join(contenders, suffix);

    /// <summary>The suffix of this coordinator's <paramref name="index"/>-th concurrent request for one name.</summary>
    public static string Suffix(LockKind kind, string leaseHex, int index) =>
        kind == LockKind.Semaphore ? $"s-{leaseHex}-{index.ToString(CultureInfo.InvariantCulture)}"
        : index == 0 ? leaseHex
        : $"{leaseHex}-{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The end of the range of every key starting with <paramref name="key"/>.</summary>
    public static ByteString RangeEnd(ByteString key)
    {
        var bytes = key.ToByteArray();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }

        return ByteString.CopyFrom(0);
    }

    /// <summary>
    /// Splits a key under the prefix into its name and suffix: a contender of a lock, a semaphore or a group, or
    /// nothing (a record, or a key not shaped like a contender).
    /// </summary>
    public bool TryParseContender(ByteString key, out string name, out string suffix, out LockKind kind)
    {
        name = suffix = string.Empty;
        kind = LockKind.Lock;
        var text = key.ToStringUtf8();
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var start = Prefix.Length;
        if (string.CompareOrdinal(text, start, GroupsInfix, 0, GroupsInfix.Length) == 0)
        {
            kind = LockKind.Group;
            start += GroupsInfix.Length;
        }

        // Names hold no NUL; records (ours, or under a longer prefix that shares this one) do.
        if (text.Length == start || text.IndexOf('\0', start) >= 0)
        {
            return false;
        }

        var slash = text.LastIndexOf('/');
        if (slash <= start || slash == text.Length - 1)
        {
            return false;
        }

        name = text[start..slash];
        suffix = text[(slash + 1)..];
        if (kind != LockKind.Group && IsSemaphoreSuffix(suffix))
        {
            kind = LockKind.Semaphore;
        }

        return true;
    }

    /// <summary>The suffix of a key directly under a name's contender prefix; null when the key belongs to a longer name.</summary>
    public static string? DirectSuffix(ByteString contenders, ByteString key)
    {
        if (key.Length <= contenders.Length)
        {
            return null;
        }

        var suffix = Encoding.UTF8.GetString(key.Span[contenders.Length..]);
        return suffix.Contains('/', StringComparison.Ordinal) ? null : suffix;
    }

    public static bool IsSemaphoreSuffix(string suffix) => suffix.StartsWith("s-", StringComparison.Ordinal);
}
