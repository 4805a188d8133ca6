using Baton.Files.Records;

namespace Baton.Files.Presence;

/// <summary>A listing of a lock directory: the live records inside lock files and beside them, grouped by name.</summary>
internal static class Listing
{
    /// <summary>Every live hold and wait, grouped by name.</summary>
    public static List<LockInfo> List(FileLockDirectory directory, DateTimeOffset now)
    {
        var records = new List<RecordData>();
        InFileScanner.Collect(directory, records);
        RecordScanner.Collect(directory, records);
        return Group(records, now);
    }

    /// <summary>The holds and waits of one name: its lock file and the records beside it, not the whole directory.</summary>
    public static LockInfo? ListOne(FileLockDirectory directory, FileLockTarget target, DateTimeOffset now)
    {
        var records = new List<RecordData>();
        InFileScanner.CollectOne(directory, target.FileName, records);
        RecordScanner.Collect(directory, records, target.RecordPrefix);
        records.RemoveAll(r => r.Kind != target.Kind || !string.Equals(r.Name, target.Name, StringComparison.Ordinal));
        return Group(records, now) is [var one] ? one : null;
    }

    private static List<LockInfo> Group(List<RecordData> records, DateTimeOffset now)
    {
        var locks = new List<LockInfo>();
        foreach (var group in records.GroupBy(static r => (r.Kind, r.Name)))
        {
            var holders = group.Where(static r => r.State == RecordState.Holding)
                .OrderBy(static r => r.SinceTicks).ThenBy(static r => r.Sequence)
                .Select(static r => new LockHolder(r.Member, r.Mode, r.Token, new DateTimeOffset(r.SinceTicks, TimeSpan.Zero)))
                .ToList();
            var waiters = group.Where(static r => r.State == RecordState.Waiting)
                .OrderBy(static r => r.Sequence)
                .Select(static r => new LockWaiter(r.Member, r.Mode, new DateTimeOffset(r.SinceTicks, TimeSpan.Zero)))
                .ToList();
            var maxCount = group.Key.Kind == LockKind.Semaphore ? group.Max(static r => r.MaxCount) : 1;
            locks.Add(new LockInfo(group.Key.Name, group.Key.Kind, maxCount, holders, waiters, now));
        }

        locks.Sort(static (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Name, b.Name));
        return locks;
    }

    /// <summary>The live holders of one name.</summary>
    public static List<LockHolder> LiveHolders(FileLockDirectory directory, FileLockTarget target, DateTimeOffset now) =>
        List(directory, now).Where(l => l.Kind == target.Kind && l.Name == target.Name).SelectMany(static l => l.Holders).ToList();
}
