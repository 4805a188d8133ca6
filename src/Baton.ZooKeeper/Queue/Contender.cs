using System.Globalization;

namespace Baton.ZooKeeper.Queue;

/// <summary>
/// One contender node of a lock: kazoo's <c>&lt;uuid&gt;__lock__&lt;sequence&gt;</c> (a writer) or
/// <c>&lt;uuid&gt;__rlock__&lt;sequence&gt;</c> (a reader), or Curator's <c>…-lock-&lt;sequence&gt;</c> (a writer).
/// A writer node with a <c>NODE.shared</c> sibling was downgraded in place and counts as a reader.
/// </summary>
/// <param name="Node">The node's name.</param>
/// <param name="Owner">What comes before the kind: a contender's uuid (an upgrade's writer node shares its reader's).</param>
/// <param name="IsWriterNode">Whether the node was created as a writer.</param>
/// <param name="Sequence">The server's sequence number, the place in the queue.</param>
/// <param name="Downgraded">Whether a writer node was downgraded to a reader.</param>
internal sealed record Contender(string Node, string Owner, bool IsWriterNode, long Sequence, bool Downgraded)
{
    public const string WriterKind = "__lock__";
    public const string ReaderKind = "__rlock__";
    public const string DowngradedSuffix = ".shared";
    private const string CuratorKind = "-lock-";

    /// <summary>Whether it holds or waits as a writer now.</summary>
    public bool IsWriter => IsWriterNode && !Downgraded;

    /// <summary>The name of a new contender node, before the server appends the sequence.</summary>
    public static string NewNode(string owner, bool writer) => owner + (writer ? WriterKind : ReaderKind);

    /// <summary>The contender nodes among a lock's children, in queue order.</summary>
    public static List<Contender> Parse(IReadOnlyList<string> children)
    {
        HashSet<string>? downgraded = null;
        foreach (var child in children)
        {
            if (child.EndsWith(DowngradedSuffix, StringComparison.Ordinal))
            {
                (downgraded ??= new HashSet<string>(StringComparer.Ordinal)).Add(child[..^DowngradedSuffix.Length]);
            }
        }

        var list = new List<Contender>(children.Count);
        foreach (var child in children)
        {
            if (TryParse(child, downgraded) is { } contender)
            {
                list.Add(contender);
            }
        }

        list.Sort(static (a, b) => a.Sequence != b.Sequence ? a.Sequence.CompareTo(b.Sequence) : string.CompareOrdinal(a.Node, b.Node));
        return list;
    }

    private static Contender? TryParse(string node, HashSet<string>? downgraded)
    {
        // kazoo's pattern: (__lock__|__rlock__|-lock-)(-?\d{10})$
        if (node.Length < 10 + CuratorKind.Length)
        {
            return null;
        }

        var digits = node.AsSpan(node.Length - 10);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return null;
            }
        }

        var end = node.Length - 10;
        if (node[end - 1] == '-' && HasKindBefore(node, end - 1, out _, out _))
        {
            end--;
        }

        if (!HasKindBefore(node, end, out var writer, out var kindLength))
        {
            return null;
        }

        var sequence = long.Parse(node.AsSpan(end), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return new Contender(node, node[..(end - kindLength)], writer, sequence, writer && downgraded?.Contains(node) == true);
    }

    private static bool HasKindBefore(string node, int end, out bool writer, out int kindLength)
    {
        var head = node.AsSpan(0, end);
        (writer, kindLength) = head.EndsWith(ReaderKind, StringComparison.Ordinal) ? (false, ReaderKind.Length)
            : head.EndsWith(WriterKind, StringComparison.Ordinal) ? (true, WriterKind.Length)
            : head.EndsWith(CuratorKind, StringComparison.Ordinal) ? (true, CuratorKind.Length)
            : (false, 0);
        return kindLength > 0;
    }
}
