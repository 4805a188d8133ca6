namespace Baton.Conformance.Files;

/// <summary>
/// The root of one test process's directories in the temporary directory: a name no other run shares, removed when the
/// process exits, with the permissions of directories the tests closed (the refusal cases) opened up first.
/// </summary>
public static class TestRoot
{
    /// <summary>A fresh root path, <c>PREFIX-PID-RANDOM</c> in the temporary directory (not created), removed at exit.</summary>
    public static string Create(string prefix)
    {
        var root = Path.Combine(Path.GetTempPath(), $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(root);
        return root;
    }

    private static void DeleteQuietly(string root)
    {
        try
        {
            if (!Directory.Exists(root))
            {
                return;
            }

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
