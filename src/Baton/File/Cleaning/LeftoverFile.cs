using System.Runtime.InteropServices;
using Baton.Files.Native;
using Baton.Files.Presence;
using Baton.Files.Records;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Cleaning;

/// <summary>
/// Examines one entry of the lock directory and removes it when it is a leftover, by the backend's own protocol:
/// open it relative to the directory without following links; take, without waiting, an exclusive OFD lock on the
/// whole file and an exclusive flock(2) (together they conflict with every holder and waiter: Baton's byte ranges,
/// Python's <c>lockf</c>, util-linux <c>flock(1)</c>); re-check that the path still names that very file and it is
/// still linked; unlink while holding; close. An acquirer that opened the file before the unlink finds it unlinked
/// when it re-checks after locking, and starts over with a new file.
/// </summary>
internal static class LeftoverFile
{
    private const string Replaced = "removed or replaced by another process while it was examined";

    /// <summary>The report of the entry; null when it is no leftover (someone holds or waits on it, too recent, already gone).</summary>
    public static CleanedLockFile? Examine(FileLockDirectory directory, DirectoryEntry entry, CleanRequest request)
    {
        var path = Path.Combine(directory.Path, entry.FileName);
        if (Libc.Statx(directory.Handle, entry.FileName, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var named) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ENOENT
                ? null // Its last user removed it after the directory was read: no leftover.
                : new(path, entry.Name, 0, TimeSpan.Zero, false, Libc.Error("statx", errno).Message);
        }

        var age = request.AgeOf(named);
        if (request.TooRecent(age))
        {
            return null;
        }

        CleanedLockFile Skip(string reason) => new(path, entry.Name, named.Size, age, false, reason);
        var type = named.Mode & Libc.S_IFMT;
        if (type == Libc.S_IFLNK)
        {
            return Skip("a symbolic link: never followed, never removed");
        }

        if (type != Libc.S_IFREG)
        {
            return Skip("not a regular file");
        }

        if (named.Uid != request.UserId)
        {
            return Skip($"owned by uid {named.Uid}, not by this user (uid {request.UserId})");
        }

        switch (entry.Kind)
        {
            case EntryKind.Foreign:
                return Skip("not a lock file or presence record of this backend's layout");
            case EntryKind.OsloFile when named.Size > 0:
                return Skip("not empty, unlike oslo.concurrency's lock files: some other file with the prefix");
            case EntryKind.RecordTemporary when age < CleanRequest.TemporaryGrace:
                return null;
            case EntryKind.LockFile or EntryKind.OsloFile or EntryKind.Table when request.InUse.Contains(entry.FileName):
                return null;
        }

        try
        {
            using var fd = Open(directory, entry.FileName, out var openError);
            if (fd is null)
            {
                return openError is null ? Skip(Replaced) : Skip(openError);
            }

            return Remove(directory, entry, request, fd, named, age, path);
        }
        catch (IOException e)
        {
            // An unexpected errno on this one file; the clean goes on with the others.
            return Skip(e.Message);
        }
    }

    private static CleanedLockFile? Remove(
        FileLockDirectory directory, DirectoryEntry entry, CleanRequest request, SafeFileHandle fd, in Statx named, TimeSpan age, string path)
    {
        if (Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var opened) != 0)
        {
            throw Libc.Error("statx");
        }

        if (!opened.IsSameFile(named))
        {
            return new(path, entry.Name, named.Size, age, false, Replaced);
        }

        // Either lock refused: someone holds or waits on it. Not a leftover, so not reported.
        if (!FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK) || !FileLocks.TryFlock(fd, Libc.LOCK_EX))
        {
            return null;
        }

        var name = NameInside(entry, fd, opened.Size) ?? entry.Name;
        if (!LockFile.IsStillLinked(directory, entry.FileName, fd))
        {
            return new(path, name, opened.Size, age, false, Replaced);
        }

        if (request.DryRun)
        {
            return new(path, name, opened.Size, age, false);
        }

        if (Libc.UnlinkAt(directory.Handle, entry.FileName, 0) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return new(path, name, opened.Size, age, false, errno == Libc.ENOENT ? Replaced : Libc.Error("unlinkat", errno).Message);
        }

        return new(path, name, opened.Size, age, true);
    }

    /// <summary>
    /// Opens the entry for locking (write access: an exclusive OFD lock needs it), never following a link, and
    /// non-blocking so a FIFO swapped in cannot stall the clean. Null when it cannot be: gone (no error), or why.
    /// </summary>
    private static SafeFileHandle? Open(FileLockDirectory directory, string fileName, out string? error)
    {
        error = null;
        var fd = Libc.OpenAt(directory.Handle, fileName, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        error = errno switch
        {
            Libc.ENOENT => null,
            Libc.ELOOP => "a symbolic link (put there while it was examined): never followed, never removed",
            _ => Libc.Error("open", errno).Message,
        };
        return null;
    }

    /// <summary>
    /// The lock name a record in the file gives, where the file name does not (a shortened escape) or is less sure
    /// (a presence record, whose JSON carries the name). Read while the file is locked: nobody rewrites it then.
    /// </summary>
    private static string? NameInside(DirectoryEntry entry, SafeFileHandle fd, long size)
    {
        switch (entry.Kind)
        {
            case EntryKind.Record or EntryKind.RecordTemporary when size > 0:
                return PresenceRecord.Read(fd)?.Name;
            case EntryKind.LockFile when entry.Name is null && size > 0:
                using (var image = InFileImage.Read(fd, size))
                {
                    for (var slot = RecordLayout.Region; slot < image.Places - 1; slot++)
                    {
                        if (RecordCodec.Decode(image.Place(slot)) is { } data)
                        {
                            return data.Name;
                        }
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
