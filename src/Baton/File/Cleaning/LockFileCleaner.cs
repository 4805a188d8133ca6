using Baton.Files.Native;
using Baton.Files.Presence;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Cleaning;

/// <summary>
/// <c>baton clean</c> for the file backend: removes the leftovers of a lock directory — lock files of crashed
/// holders (the default layout keeps one until the name's next acquisition), files that kept layouts and peers
/// leave (<c>layout=oslo</c>, <c>api=flock</c>, an unused <c>.table</c>), and dead presence records — each by
/// <see cref="LeftoverFile"/>'s lock, re-check, unlink. Never a file someone holds or waits on, never the fencing
/// counter, never anything through a link or outside the directory (every call is relative to its descriptor).
/// </summary>
internal static class LockFileCleaner
{
    /// <summary>Cleans the directory (or with <see cref="CleanRequest.DryRun"/> only reports); the results sorted by path.</summary>
    public static List<CleanedLockFile> Clean(
        FileLockDirectory directory, FileBackendOptions options, DateTimeOffset now, TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken)
    {
        var entries = ReadDirectory(directory).Select(n => DirectoryEntry.Classify(n, options)).OfType<DirectoryEntry>().ToList();
        var request = new CleanRequest(now, olderThan, dryRun, Libc.GetEffectiveUserId(), InUse(directory, options, entries));
        var results = new List<CleanedLockFile>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (LeftoverFile.Examine(directory, entry, request) is { } result)
            {
                results.Add(result);
            }
        }

        results.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return results;
    }

    /// <summary>
    /// The entries' names, read through the directory descriptor (<c>/proc/self/fd</c>), so they come from the very
    /// directory the backend opened even if its path has been swapped for another since.
    /// </summary>
    private static List<string> ReadDirectory(FileLockDirectory directory)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        return [.. Directory.EnumerateFileSystemEntries($"/proc/self/fd/{directory.Handle.DangerousGetHandle()}", "*", options)
            .Select(Path.GetFileName).OfType<string>()];
    }

    /// <summary>
    /// The lock files that a live presence record names. Where files are kept, a Baton waiter blocked behind the gate
    /// holds no lock on the lock file itself, so its record is what says the file is still wanted. Only looked at,
    /// never locked, so a live owner is not disturbed and a dry run changes nothing.
    /// </summary>
    private static HashSet<string> InUse(FileLockDirectory directory, FileBackendOptions options, List<DirectoryEntry> entries)
    {
        var inUse = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(static e => e.Kind == EntryKind.Record))
        {
            var fd = Libc.OpenAt(directory.Handle, entry.FileName, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
            if (fd < 0)
            {
                continue; // Gone, or not a file: LeftoverFile reports it if it is still there.
            }

            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            if (IsRegular(handle) && FileLocks.FindConflict(handle, 0, FileLocks.ToEnd, Libc.F_WRLCK) is not null
                && PresenceRecord.Read(handle) is { } data && TargetFile(options, data) is { } file)
            {
                inUse.Add(file);
            }
        }

        return inUse;
    }

    private static bool IsRegular(SafeFileHandle fd) =>
        Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) == 0 && (stat.Mode & Libc.S_IFMT) == Libc.S_IFREG;

    /// <summary>The lock file a record's name maps to in this layout; null for a name this layout cannot hold.</summary>
    private static string? TargetFile(FileBackendOptions options, RecordData data)
    {
        try
        {
            return FileLockTarget.Create(options, data.Kind, data.Name).FileName;
        }
        catch (ArgumentException)
        {
            return null; // Written under another layout's rules; it names no file of this one.
        }
    }
}
