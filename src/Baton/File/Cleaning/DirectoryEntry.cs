using Baton.Files.Presence;

namespace Baton.Files.Cleaning;

/// <summary>What an entry of the lock directory is, judged by its name alone (its type and owner are checked later).</summary>
internal enum EntryKind
{
    /// <summary>A Baton lock file: <c>ESCAPED.lock</c> or <c>ESCAPED.sem</c>.</summary>
    LockFile,

    /// <summary><c>.table</c>, the one file of <c>mode=table</c>.</summary>
    Table,

    /// <summary>A presence record beside the lock files: <c>ESCAPED.k.PID-RANDOM.rec</c>.</summary>
    Record,

    /// <summary>A presence record still being written, or left by a writer that died before publishing it: <c>….tmp</c>.</summary>
    RecordTemporary,

    /// <summary>An oslo.concurrency lock file: <c>layout=oslo</c>, named with the prefix.</summary>
    OsloFile,

    /// <summary>Anything else. Never removed: only named kinds are known to be nothing but a lock.</summary>
    Foreign,
}

/// <summary>One entry of the lock directory, classified by its name, with the lock name where the file name gives it.</summary>
/// <param name="FileName">The entry's name in the lock directory.</param>
/// <param name="Kind">What its name says it is.</param>
/// <param name="Name">The lock name when the file name can be reversed; null otherwise (oslo names, hashed escapes, other files).</param>
internal readonly record struct DirectoryEntry(string FileName, EntryKind Kind, string? Name)
{
    /// <summary>
    /// Classifies an entry; null for the fencing counter and the guard file, which are never examined: removing the
    /// counter would let tokens restart (from the wall clock, but not above tokens drawn faster than one a
    /// microsecond), and removing the guard would let a newcomer in beside the holder of a lock file deleted from outside.
    /// </summary>
    public static DirectoryEntry? Classify(string fileName, FileBackendOptions options)
    {
        if (fileName is FencingCounter.FileName or Guard.NameGuard.FileName or "." or "..")
        {
            return null;
        }

        if (fileName == FileLockTarget.TableFileName)
        {
            return new(fileName, EntryKind.Table, null);
        }

        // Records first: with layout=oslo their names may also start with the prefix, and they are Baton's own.
        if (RecordEscape(fileName, PresenceRecord.Suffix) is { } recorded)
        {
            return new(fileName, EntryKind.Record, FileNames.Unescape(recorded));
        }

        if (RecordEscape(fileName, PresenceRecord.TemporarySuffix) is { } temporary)
        {
            return new(fileName, EntryKind.RecordTemporary, FileNames.Unescape(temporary));
        }

        // Semaphores and groups keep Baton's names in every layout; with layout=oslo, locks are named the oslo way, so an
        // oslo-named file that happens to end in .lock is oslo's, not an escape.
        if ((LockEscape(fileName, ".sem") ?? LockEscape(fileName, ".group")) is { } semaphoreOrGroup)
        {
            return new(fileName, EntryKind.LockFile, FileNames.Unescape(semaphoreOrGroup));
        }

        if (options.Layout == FileLayout.Oslo && options.Prefix.Length > 0 && fileName.StartsWith(OsloStart(options.Prefix), StringComparison.Ordinal))
        {
            return new(fileName, EntryKind.OsloFile, null);
        }

        return LockEscape(fileName, ".lock") is { } lockName
            ? new(fileName, EntryKind.LockFile, FileNames.Unescape(lockName))
            : new(fileName, EntryKind.Foreign, null);
    }

    /// <summary>What oslo.concurrency's file names start with for a prefix (see <see cref="FileNames.Oslo"/>).</summary>
    private static string OsloStart(string prefix) => prefix.EndsWith('-') ? prefix : prefix + "-";

    /// <summary>The escape of <c>ESCAPED + suffix</c>, or null when the name is not of that form.</summary>
    private static string? LockEscape(string fileName, string suffix) =>
        fileName.Length > suffix.Length && fileName.EndsWith(suffix, StringComparison.Ordinal) && IsEscape(fileName.AsSpan(0, fileName.Length - suffix.Length))
            ? fileName[..^suffix.Length]
            : null;

    /// <summary>The escape of <c>ESCAPED.k.PID-RANDOM + suffix</c>, or null when the name is not of that form.</summary>
    private static string? RecordEscape(string fileName, string suffix)
    {
        if (!fileName.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = fileName[..^suffix.Length].Split('.');
        return parts.Length == 3 && parts[0].Length > 0 && IsEscape(parts[0]) && parts[1] is "l" or "s"
            && parts[2].Length > 0 && parts[2].All(static c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? parts[0]
            : null;
    }

    /// <summary>Only the characters <see cref="FileNames.Escape"/> writes: letters, digits, <c>-</c>, <c>_</c>, <c>%</c>, and <c>~</c> of a shortened one.</summary>
    private static bool IsEscape(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '%' or '~'))
            {
                return false;
            }
        }

        return true;
    }
}
