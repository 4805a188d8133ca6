namespace Baton.ZooKeeper.Layout;

/// <summary>Checks a path given by the user (chroot, prefix) against ZooKeeper's rules, before any request.</summary>
internal static class ZooKeeperPaths
{
    /// <summary>What is wrong with <paramref name="path"/> as an absolute ZooKeeper path, or null when nothing is.</summary>
    public static string? Problem(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return "a ZooKeeper path starts with '/'";
        }

        if (path.Length > 1 && path[^1] == '/')
        {
            return "a ZooKeeper path does not end with '/'";
        }

        foreach (var segment in path[1..].Split('/'))
        {
            if (segment.Length == 0)
            {
                return "a ZooKeeper path has no empty segment ('//')";
            }

            if (segment is "." or "..")
            {
                return "a ZooKeeper path has no '.' or '..' segment";
            }

            if (segment.Any(static c => c < ' ' || c is (>= '\u007f' and <= '\u009f') or (>= '\ud800' and <= '\uf8ff') or >= '\ufff0'))
            {
                return "a ZooKeeper path has no control, surrogate or private-use characters";
            }
        }

        return path == "/zookeeper" || path.StartsWith("/zookeeper/", StringComparison.Ordinal) ? "/zookeeper is the server's own tree" : null;
    }
}
