namespace Baton.ZooKeeper.Client;

/// <summary>Path rules of ZooKeeper, checked before sending so a bad path is a clear error rather than a server error.</summary>
internal static class PathRules
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="path"/> is a valid node path.</summary>
    /// <param name="path">The path.</param>
    /// <param name="sequential">Sequential creates may end with '/': the server appends the sequence number.</param>
    /// <param name="parameterName">The argument's name for the exception.</param>
    public static void Validate(string path, bool sequential = false, string parameterName = "path")
    {
        ArgumentNullException.ThrowIfNull(path, parameterName);
        var problem = Problem(path, sequential);
        if (problem is not null)
        {
            throw new ArgumentException($"'{Printable(path)}' is not a valid ZooKeeper path: {problem}.", parameterName);
        }
    }

    /// <summary>The chroot in canonical form: null when there is none.</summary>
    public static string? NormalizeChroot(string? chroot)
    {
        if (string.IsNullOrEmpty(chroot) || chroot == "/")
        {
            return null;
        }

        Validate(chroot, parameterName: nameof(ZooKeeperClientOptions.Chroot));
        return chroot;
    }

    public static string Prepend(string? chroot, string path) =>
        chroot is null ? path : path == "/" ? chroot : chroot + path;

    /// <summary>The client's view of a server path: the chroot stripped (paths outside it are returned unchanged).</summary>
    public static string Strip(string? chroot, string serverPath)
    {
        if (chroot is null || !serverPath.StartsWith(chroot, StringComparison.Ordinal))
        {
            return serverPath;
        }

        if (serverPath.Length == chroot.Length)
        {
            return "/";
        }

        return serverPath[chroot.Length] == '/' ? serverPath[chroot.Length..] : serverPath;
    }

    /// <summary>The parent's path; null for the root.</summary>
    public static string? Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return path == "/" ? null : slash == 0 ? "/" : path[..slash];
    }

    /// <summary>What is wrong with <paramref name="path"/> as a node path, or null when nothing is.</summary>
    public static string? Problem(string path, bool sequential = false)
    {
        if (path.Length == 0)
        {
            return "it is empty";
        }

        if (path[0] != '/')
        {
            return "it must start with '/'";
        }

        if (path.Length == 1)
        {
            return null;
        }

        if (path[^1] == '/' && !sequential)
        {
            return "it must not end with '/'";
        }

        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0 && !(sequential && i == segments.Length - 1))
            {
                return "it has an empty segment ('//')";
            }

            if (segment is "." or "..")
            {
                return "'.' and '..' segments are not allowed";
            }
        }

        foreach (var c in path)
        {
            if (c == '\0')
            {
                return "it contains NUL";
            }

            // The server refuses these (PathUtils.validatePath): control characters, surrogates and private use, specials.
            if (c is (> '\u0000' and <= '\u001f') or (>= '\u007f' and <= '\u009f') or (>= '\ud800' and <= '\uf8ff') or >= '\ufff0')
            {
                return $"it contains the character U+{(int)c:X4}, which ZooKeeper does not allow";
            }
        }

        return null;
    }

    private static string Printable(string path) => path.Replace("\0", "\\0", StringComparison.Ordinal);
}
