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
/// names contain no NUL, so no name's keys can reach them.
/// </summary>
internal sealed class KeyLayout(string prefix)
{
    private const string RecordsInfix = "\0holds/";

    public string Prefix { get; } = prefix;

    /// <summary>The first key of everything Baton keeps under the prefix (contenders and records).</summary>
    public ByteString All { get; } = ByteString.CopyFromUtf8(prefix.Length == 0 ? "\0" : prefix);

    /// <summary>The end of that range (exclusive).</summary>
    public ByteString AllEnd { get; } = prefix.Length == 0 ? ByteString.CopyFrom(0) : RangeEnd(ByteString.CopyFromUtf8(prefix));

    public ByteString Contenders(string name) => ByteString.CopyFromUtf8(Prefix + name + "/");

    public ByteString Records(string name) => ByteString.CopyFromUtf8(Prefix + RecordsInfix + name + "\0");

    public ByteString Record(string name, string suffix) => ByteString.CopyFromUtf8(Prefix + RecordsInfix + name + "\0" + suffix);

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
    /// Splits a key under the prefix into its name and suffix: a contender of a lock or a semaphore, or nothing (a
    /// record, or a key not shaped like a contender).
    /// </summary>
    public bool TryParseContender(ByteString key, out string name, out string suffix, out LockKind kind)
    {
        name = suffix = string.Empty;
        kind = LockKind.Lock;
        var text = key.ToStringUtf8();

        // Names hold no NUL; records (ours, or under a longer prefix that shares this one) do.
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length == Prefix.Length || text.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var slash = text.LastIndexOf('/');
        if (slash <= Prefix.Length || slash == text.Length - 1)
        {
            return false;
        }

        name = text[Prefix.Length..slash];
        suffix = text[(slash + 1)..];
        kind = IsSemaphoreSuffix(suffix) ? LockKind.Semaphore : LockKind.Lock;
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
