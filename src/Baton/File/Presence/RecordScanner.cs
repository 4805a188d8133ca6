using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Presence;

/// <summary>
/// Reads the presence records of a lock directory: for listings (live records only; dead waiters' records
/// are removed on sight), and for takeover notices (dead holders' records, claimed by the next holder).
/// A dead record is removed by lock, re-check, delete: lock it, check the name still names it, unlink.
/// </summary>
internal static class RecordScanner
{
    /// <summary>Every live hold and wait, grouped by name.</summary>
    public static List<LockInfo> List(FileLockDirectory directory, DateTimeOffset now)
    {
        var byName = new Dictionary<(LockKind, string), List<RecordData>>();
        foreach (var fileName in RecordFiles(directory, prefix: null))
        {
            using var fd = OpenRecord(directory, fileName);
            if (fd is null)
            {
                continue;
            }

            if (FileLocks.FindConflict(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK) is null)
            {
                // A dead owner. A waiter's record is only litter; a holder's is kept for its takeover notice.
                if (PresenceRecord.Read(fd) is not { State: RecordState.Holding or RecordState.Abandoned })
                {
                    TryRemove(directory, fileName, fd);
                }

                continue;
            }

            if (PresenceRecord.Read(fd) is not { State: not RecordState.Abandoned } data)
            {
                continue;
            }

            var key = (data.Kind, data.Name);
            if (!byName.TryGetValue(key, out var records))
            {
                byName[key] = records = [];
            }

            records.Add(data);
        }

        var locks = new List<LockInfo>(byName.Count);
        foreach (var ((kind, name), records) in byName)
        {
            var holders = records.Where(static r => r.State == RecordState.Holding)
                .OrderBy(static r => r.SinceTicks).ThenBy(static r => r.Sequence)
                .Select(static r => new LockHolder(r.Member, r.Mode, r.Token, new DateTimeOffset(r.SinceTicks, TimeSpan.Zero)))
                .ToList();
            var waiters = records.Where(static r => r.State == RecordState.Waiting)
                .OrderBy(static r => r.Sequence)
                .Select(static r => new LockWaiter(r.Member, r.Mode, new DateTimeOffset(r.SinceTicks, TimeSpan.Zero)))
                .ToList();
            var maxCount = kind == LockKind.Semaphore ? records.Max(static r => r.MaxCount) : 1;
            locks.Add(new LockInfo(name, kind, maxCount, holders, waiters, now));
        }

        locks.Sort(static (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Name, b.Name));
        return locks;
    }

    /// <summary>The live holders of one name.</summary>
    public static List<LockHolder> LiveHolders(FileLockDirectory directory, FileLockTarget target, DateTimeOffset now) =>
        List(directory, now).Where(l => l.Kind == target.Kind && l.Name == target.Name).SelectMany(static l => l.Holders).ToList();

    /// <summary>
    /// Called by a new holder: claims (removes) the records that dead holders of the name left, and returns
    /// the takeover notice for the latest of them, or null when every earlier hold ended cleanly. An
    /// exclusive holder that still finds a live holder's record knows its owner is dying (the kernel has
    /// dropped its lock file, and is closing the record next), so it waits for that record to be dropped.
    /// </summary>
    public static TakeoverNotice? ClaimDeadHolders(FileLockDirectory directory, FileLockTarget target, string ownRecord, bool exclusive, DateTimeOffset now)
    {
        RecordData? latest = null;
        foreach (var fileName in RecordFiles(directory, target.RecordPrefix))
        {
            if (fileName == ownRecord)
            {
                continue;
            }

            using var fd = OpenRecord(directory, fileName);
            if (fd is null)
            {
                continue;
            }

            if (FileLocks.FindConflict(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK) is not null)
            {
                if (!exclusive || PresenceRecord.Read(fd) is not { State: RecordState.Holding } live || live.Name != target.Name)
                {
                    continue;
                }

                FileLocks.Lock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK);
            }
            else if (!FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK))
            {
                continue; // Someone else is claiming or cleaning it.
            }

            if (!LockFile.IsStillLinked(directory, fileName, fd))
            {
                continue; // Its owner released cleanly and removed it.
            }

            var data = PresenceRecord.Read(fd);
            _ = Libc.UnlinkAt(directory.Handle, fileName, 0);
            if (data is { State: RecordState.Holding or RecordState.Abandoned } && data.Name == target.Name && data.Kind == target.Kind
                && (latest is null || data.Token > latest.Token))
            {
                latest = data;
            }
        }

        return latest is null
            ? null
            : new TakeoverNotice(
                latest.Member,
                latest.Token,
                latest.State == RecordState.Abandoned ? TakeoverReason.Abandoned : TakeoverReason.HolderCrashed,
                latest.State == RecordState.Abandoned ? new DateTimeOffset(latest.EndedTicks, TimeSpan.Zero) : now);
    }

    private static IEnumerable<string> RecordFiles(FileLockDirectory directory, string? prefix)
    {
        IEnumerable<string> paths;
        try
        {
            paths = Directory.EnumerateFiles(directory.Path, (prefix is null ? "*" : prefix + "*") + PresenceRecord.Suffix).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            yield break;
        }

        foreach (var path in paths)
        {
            var name = Path.GetFileName(path);
            if (prefix is null || name.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return name;
            }
        }
    }


    private static SafeFileHandle? OpenRecord(FileLockDirectory directory, string fileName)
    {
        var fd = Libc.OpenAt(directory.Handle, fileName, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is Libc.ENOENT or Libc.ELOOP ? null : throw Libc.Error($"Cannot open the presence record '{fileName}'", errno);
    }

    private static void TryRemove(FileLockDirectory directory, string fileName, SafeFileHandle fd)
    {
        if (FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK) && LockFile.IsStillLinked(directory, fileName, fd))
        {
            _ = Libc.UnlinkAt(directory.Handle, fileName, 0);
        }
    }
}
