namespace Baton.Cli.Tests;

/// <summary>A fresh lock directory for one test, never the user's default one; removed afterwards.</summary>
internal sealed class LockDirectory : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("baton-cli-tests-").FullName;

    /// <summary>The lock directory itself (created by the backend, mode 0700).</summary>
    public string Path => System.IO.Path.Combine(_root, "locks");

    /// <summary>The file:// URL of <see cref="Path"/>.</summary>
    public string Url => "file://" + Path;

    /// <summary>A scratch file path beside the lock directory (counters, token logs).</summary>
    public string File(string name) => System.IO.Path.Combine(_root, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A process of a failed test may still have a file open; the temp directory is cleaned eventually.
        }
    }
}
