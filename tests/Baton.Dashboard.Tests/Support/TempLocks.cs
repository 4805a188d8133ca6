namespace Baton.Dashboard.Tests.Support;

/// <summary>A fresh lock directory for one test (the file backend), never the user's default one; removed afterwards.</summary>
internal sealed class TempLocks : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("baton-dashboard-tests-").FullName;

    /// <summary>The file:// URL of the lock directory.</summary>
    public string Url => "file://" + Path.Combine(_root, "locks");

    /// <summary>A scratch path beside the lock directory.</summary>
    public string File(string name) => Path.Combine(_root, name);

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
