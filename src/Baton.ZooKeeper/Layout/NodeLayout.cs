using System.Text;

namespace Baton.ZooKeeper.Layout;

/// <summary>
/// Where Baton's nodes live under the prefix <c>P</c> (default <c>/baton</c>, inside the URL's chroot):
/// <list type="bullet">
/// <item><c>P/NAME</c>: a lock (and the reader-writer lock of the same name), its contenders kazoo's
/// <c>&lt;uuid&gt;__lock__&lt;sequence&gt;</c> (writers) and <c>&lt;uuid&gt;__rlock__&lt;sequence&gt;</c> (readers), so kazoo's
/// <c>Lock</c>, <c>WriteLock</c> and <c>ReadLock</c> on that path and Baton exclude each other;</item>
/// <item><c>P/.semaphores/NAME</c>: a semaphore as kazoo's <c>Semaphore</c> keeps it: one ephemeral lease node per
/// holder, the count as the node's data, and the lock <c>P/.semaphores/NAME-__lock__</c> its waiters queue on;</item>
/// <item><c>P/.groups/NAME</c>: a group, laid out as a lock whose every member is a reader (a <c>__rlock__</c> node):
/// all hold at once, and a member's node goes with its session;</item>
/// <item><c>P/.holds/NAME</c>, <c>P/.semaphores/.holds/NAME</c> and <c>P/.groups/.holds/NAME</c>: one persistent record
/// per hold, deleted with the hold on a clean release; one left behind tells the next holder who did not release (the
/// takeover notice).</item>
/// </list>
/// NAME is the name in UTF-8 with every byte outside <c>A–Z a–z 0–9 - _ .</c>, a leading <c>.</c>, and the last
/// <c>_</c> of a name ending in <c>-__lock__</c> written as <c>%XX</c>: so a name never leaves its directory, never
/// collides with Baton's own <c>.</c> nodes or a semaphore's lock node, and two names never share a node.
/// Directories are container nodes: the server removes them once empty, so nothing is left behind.
/// </summary>
internal sealed class NodeLayout(string prefix)
{
    private const string SemaphoreLockSuffix = "-__lock__";

    /// <summary>The prefix, an absolute path without a trailing slash.</summary>
    public string Prefix { get; } = prefix;

    public string Locks => Prefix;

    public string LockRecords => Prefix + "/.holds";

    public string Semaphores => Prefix + "/.semaphores";

    public string SemaphoreRecords => Semaphores + "/.holds";

    public string Groups => Prefix + "/.groups";

    public string GroupRecords => Groups + "/.holds";

    /// <summary>The node name of a Baton name.</summary>
    public static string Escape(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var text = new StringBuilder(bytes.Length + 8);
        var lastUnderscore = name.EndsWith(SemaphoreLockSuffix, StringComparison.Ordinal) ? bytes.Length - 1 : -1;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var plain = b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_'
                || (b == (byte)'.' && i > 0);
            if (plain && i != lastUnderscore)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>The Baton name of a node name, or null when the node is not one Baton's escaping makes (Baton's own nodes).</summary>
    public static string? Unescape(string node)
    {
        if (node.Length == 0 || node[0] == '.')
        {
            return null;
        }

        var bytes = new List<byte>(node.Length);
        for (var i = 0; i < node.Length; i++)
        {
            if (node[i] == '%')
            {
                if (i + 2 >= node.Length || !byte.TryParse(node.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var b))
                {
                    return null;
                }

                bytes.Add(b);
                i += 2;
            }
            else if (node[i] > 0x7f)
            {
                // Another tool's node with a character Baton would have escaped: shown as it is.
                return node;
            }
            else
            {
                bytes.Add((byte)node[i]);
            }
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Whether a child of <see cref="Semaphores"/> is a semaphore's lock node rather than a semaphore.</summary>
    public static bool IsSemaphoreLock(string node) => node.EndsWith(SemaphoreLockSuffix, StringComparison.Ordinal);

    public static string SemaphoreLockOf(string semaphoreNode) => semaphoreNode + SemaphoreLockSuffix;
}
