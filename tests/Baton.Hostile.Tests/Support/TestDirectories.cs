namespace Baton.Hostile.Tests.Support;

/// <summary>Fresh directories under one root per test process, removed (permissions opened first) when it exits.</summary>
internal static class TestDirectories
{
    private static readonly string Root = CreateRoot();

    /// <summary>A path that does not exist yet, inside a parent of its own (so anything escaping it shows up beside it).</summary>
    public static string NewPath(string purpose)
    {
        var parent = Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(parent);
        return Path.Combine(parent, "locks");
    }

    private static string CreateRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), $"baton-hostile-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(root);
        return root;
    }

    private static void DeleteQuietly(string root)
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            {
                if (OperatingSystem.IsLinux() && !new FileInfo(directory).Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover under the temporary directory is harmless; a failing exit handler is not.
        }
    }
}
