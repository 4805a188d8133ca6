using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Presence;

/// <summary>
/// Reads the presence records kept beside the lock files (layouts that share or keep their lock files:
/// <c>layout=oslo</c>, <c>api=flock</c>, <c>mode=table</c>): for listings (live records only; dead waiters' records
/// are removed on sight), and for takeover notices (dead holders' records, claimed by the next holder).
/// A dead record is removed by lock, re-check, delete: lock it, check the name still names it, unlink.
/// </summary>
internal static class RecordScanner
{
    /// <summary>
    /// Adds every live record kept beside the lock files (or only those of one name's record prefix); removes dead
    /// waiters' records on the way.
    /// </summary>
    public static void Collect(FileLockDirectory directory, List<RecordData> records, string? prefix = null)
    {
        foreach (var fileName in RecordFiles(directory, prefix))
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

            if (PresenceRecord.Read(fd) is { State: not RecordState.Abandoned } data)
            {
                records.Add(data);
            }
        }
    }

    /// <summary>
    /// Called by a new holder: claims (removes) the records that dead holders of the name left, and returns
    /// the takeover notice for the latest of them, or null when every earlier hold ended cleanly.
    /// </summary>
    /// <remarks>
    /// An exclusive holder may still find a live holder's record: its owner's lock file is already closed
    /// (the kernel dropped that lock first) and the record is next. A clean holder removes its record before
    /// it releases the lock, so that owner crashed. It is claimed at once, without waiting for the dying
    /// process to finish exiting: nothing else can hold that name now, and the record's name is the owner's
    /// alone. (Waiting for its lock had no bound: a stopped process never finishes exiting.)
    /// </remarks>
    public static TakeoverNotice? ClaimDeadHolders(FileLockDirectory directory, FileLockTarget target, string? ownRecord, bool exclusive, DateTimeOffset now)
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

            RecordData? data;
            if (FileLocks.FindConflict(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK) is not null)
            {
                // Alive: a co-holder (shared), a waiter, or, for an exclusive holder, a crashed holder still exiting.
                if (!exclusive || PresenceRecord.Read(fd) is not { State: RecordState.Holding } live || live.Name != target.Name || live.Kind != target.Kind)
                {
                    continue;
                }

                data = live;
            }
            else if (!FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK))
            {
                continue; // Someone else is claiming or cleaning it.
            }
            else if (!LockFile.IsStillLinked(directory, fileName, fd))
            {
                continue; // Its owner released cleanly and removed it.
            }
            else
            {
                data = PresenceRecord.Read(fd);
            }

            if (data is { State: RecordState.Holding or RecordState.Abandoned } && data.Name == target.Name && data.Kind == target.Kind)
            {
                _ = Libc.UnlinkAt(directory.Handle, fileName, 0);
                if (latest is null || data.Token > latest.Token)
                {
                    latest = data;
                }
            }
        }

        return latest?.ToTakeoverNotice(now);
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


    /// <summary>
    /// Opens a record for reading and locking; null when it is gone or is no regular file. Non-blocking, and its type
    /// checked before anything reads it: a FIFO (or a socket, a directory) planted under a record's name would
    /// otherwise stall or fail every listing and every acquisition of the name. Such entries are skipped, left for
    /// <c>baton clean</c> to report.
    /// </summary>
    private static SafeFileHandle? OpenRecord(FileLockDirectory directory, string fileName)
    {
        var fd = Libc.OpenAt(directory.Handle, fileName, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Libc.ENOENT or Libc.ELOOP or Libc.EISDIR or LibcExtra.ENXIO
                ? null
                : throw Libc.Error($"Cannot open the presence record '{fileName}'", errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Libc.Statx(handle, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) == 0 && (stat.Mode & Libc.S_IFMT) == Libc.S_IFREG)
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }

    private static void TryRemove(FileLockDirectory directory, string fileName, SafeFileHandle fd)
    {
        if (FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK) && LockFile.IsStillLinked(directory, fileName, fd))
        {
            _ = Libc.UnlinkAt(directory.Handle, fileName, 0);
        }
    }
}
