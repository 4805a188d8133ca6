namespace Baton.Hostile.Tests.Support;

/// <summary>
/// A lock directory inside a parent of its own: nothing may appear beside it, every lock file (one per name unless
/// the layout is one table) is a plain file directly inside it, and after release the directory is as it was, except
/// for the lock files that <c>api=flock</c> keeps by design (flock(1) peers do not re-check the inode), one per name.
/// </summary>
internal sealed class FileNamespace(string query) : Namespace
{
    private readonly string _directory = TestDirectories.NewPath("fuzz");
    private string[] _snapshot = [];

    public override string Url => "file://" + _directory + query;

    private bool OneFilePerName => !query.Contains("mode=table", StringComparison.Ordinal);

    private bool KeepsFiles => query.Contains("api=flock", StringComparison.Ordinal);

    public override Task SnapshotAsync()
    {
        _snapshot = Entries();
        return Task.CompletedTask;
    }

    public override Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names)
    {
        var problems = OutsideTheDirectory();
        var entries = Entries();
        var lockFiles = entries.Except(_snapshot, StringComparer.Ordinal).Count(e => e.EndsWith(".lock", StringComparison.Ordinal));
        if (OneFilePerName && lockFiles != names.Count)
        {
            problems.Add($"{names.Count} names are held but the directory has {lockFiles} lock files.");
        }

        foreach (var directory in Directory.GetDirectories(_directory))
        {
            problems.Add($"A directory was made inside the lock directory: '{Path.GetFileName(directory)}'.");
        }

        return Task.FromResult<IReadOnlyList<string>>(problems);
    }

    public override Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names)
    {
        var problems = OutsideTheDirectory();
        var left = Entries().Except(_snapshot, StringComparer.Ordinal).ToList();
        if (KeepsFiles)
        {
            var kept = left.RemoveAll(e => e.EndsWith(".lock", StringComparison.Ordinal));
            if (kept != names.Count)
            {
                problems.Add($"api=flock keeps one lock file per name: {names.Count} names, {kept} files kept.");
            }
        }

        if (left.Count > 0)
        {
            problems.Add($"Left after release: {string.Join(", ", left.Take(5).Select(Show.Name))} ({left.Count} entries).");
        }

        return Task.FromResult<IReadOnlyList<string>>(problems);
    }

    private List<string> OutsideTheDirectory()
    {
        var parent = Path.GetDirectoryName(_directory)!;
        return [.. Directory.GetFileSystemEntries(parent).Where(e => e != _directory).Select(e => $"Created outside the lock directory: '{Show.Name(e)}'.")];
    }

    private string[] Entries() => [.. Directory.GetFileSystemEntries(_directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
