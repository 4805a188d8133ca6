using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files;

/// <summary>The kernel side of one hold: the open lock file (its own open file description) and the semaphore slot.</summary>
internal sealed class HeldFile(SafeFileHandle fd, int slot, bool created)
{
    public SafeFileHandle Fd { get; } = fd;

    /// <summary>The semaphore slot held, or -1.</summary>
    public int Slot { get; } = slot;

    /// <summary>This acquisition created the lock file: nobody held or waited before, so no crashed holder can have left a record.</summary>
    public bool Created { get; } = created;
}

/// <summary>
/// The lock-file protocol. Acquiring: open (never following a link), pass the gate, lock the main byte (or
/// a slot), leave the gate, then check that the path still names the file locked — same device and inode,
/// still linked — and start over if not, because a releaser deleted it. Releasing: while still holding,
/// try to lock the whole file exclusively without waiting; that succeeds only when nobody else holds or
/// waits, and then the file is unlinked before it is closed. So no lock file is left behind, and two
/// holders can never hold "the same" lock through two different files.
/// </summary>
internal static class LockFile
{
    private const uint SlotWatchMask = Libc.IN_CLOSE_WRITE | Libc.IN_CLOSE_NOWRITE | Libc.IN_ATTRIB | Libc.IN_DELETE_SELF;

    /// <summary>
    /// Acquires the name. Without a waiting thread, tries once and returns null when it is taken (or
    /// someone queues before). With one, waits on that thread and returns null only when it was stopped.
    /// <paramref name="beforeBlocking"/> runs once, just before the first blocking call (to publish the waiting record).
    /// </summary>
    public static HeldFile? Acquire(
        FileLockDirectory directory, FileBackendOptions options, FileLockTarget target, LockMode mode, int maxCount, WaitingThread? waiting, Action? beforeBlocking = null)
    {
        var wait = waiting is not null;
        while (true)
        {
            var (fd, created) = Open(directory, target);
            var keep = false;
            try
            {
                if (target.Kind == LockKind.Semaphore && options.Layout != FileLayout.Table && !JoinCount(fd, target, maxCount))
                {
                    continue; // The file is being deleted by its last user: start over with a new one.
                }

                if (wait && !FileLocks.TryLock(fd, target.Waiting, 1, Libc.F_RDLCK))
                {
                    continue; // Same: only the deleting releaser ever holds this byte exclusively.
                }

                if (beforeBlocking is not null)
                {
                    beforeBlocking();
                    beforeBlocking = null;
                }

                if (!FileLocks.TryLock(fd, target.Gate, 1, Libc.F_WRLCK)
                    && (!wait || !Block(waiting!, () => FileLocks.LockWait(fd, target.Gate, 1, Libc.F_WRLCK), "fcntl(F_OFD_SETLKW) on the gate")))
                {
                    return null;
                }

                var slot = -1;
                if (target.Kind == LockKind.Semaphore)
                {
                    slot = TryAnySlot(fd, target, maxCount);
                    if (slot < 0 && (!wait || (slot = WaitForSlot(fd, target, maxCount, waiting!)) < 0))
                    {
                        return null;
                    }
                }
                else if (!TryMain(fd, target, mode) && (!wait || !Block(waiting!, () => MainWait(fd, target, mode), "waiting for the lock")))
                {
                    return null;
                }

                FileLocks.Unlock(fd, target.Gate, 1);
                if (wait)
                {
                    FileLocks.Unlock(fd, target.Waiting, 1);
                }

                if (!IsStillLinked(directory, target, fd))
                {
                    continue;
                }

                keep = true;
                return new HeldFile(fd, slot, created);
            }
            finally
            {
                if (!keep)
                {
                    fd.Dispose();
                }
            }
        }
    }

    /// <summary>Ends a hold: deletes the file if this was its last user (and the layout deletes files), then closes it.</summary>
    public static void Release(FileLockDirectory directory, FileBackendOptions options, FileLockTarget target, HeldFile held)
    {
        try
        {
            if (!options.KeepsFiles && !held.Fd.IsClosed && FileLocks.TryLock(held.Fd, 0, FileLocks.ToEnd, Libc.F_WRLCK))
            {
                // Everything in the file is ours now: nobody holds or waits, and anyone who opened it
                // meanwhile will find it unlinked after locking and start over.
                _ = Libc.UnlinkAt(directory.Handle, target.FileName, 0);
            }
        }
        finally
        {
            held.Fd.Dispose();
        }
    }

    /// <summary>True when the path still names the very file the descriptor has open, and it is still linked.</summary>
    public static bool IsStillLinked(FileLockDirectory directory, FileLockTarget target, SafeFileHandle fd) =>
        IsStillLinked(directory, target.FileName, fd);

    public static bool IsStillLinked(FileLockDirectory directory, string fileName, SafeFileHandle fd)
    {
        if (Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var opened) != 0)
        {
            throw Libc.Error("statx");
        }

        if (opened.Nlink == 0)
        {
            return false;
        }

        if (Libc.Statx(directory.Handle, fileName, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var named) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ENOENT ? false : throw Libc.Error($"statx({fileName})", errno);
        }

        return opened.IsSameFile(named);
    }

    /// <summary>Opens (or creates) the lock file without following links; says whether it was created.</summary>
    public static (SafeFileHandle Fd, bool Created) Open(FileLockDirectory directory, FileLockTarget target)
    {
        var mode = Convert.ToInt32("660", 8);
        while (true)
        {
            var fd = Libc.OpenAt(directory.Handle, target.FileName, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, mode);
            if (fd >= 0)
            {
                return (new SafeFileHandle(fd, ownsHandle: true), true);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EEXIST)
            {
                throw Libc.Error($"Cannot create the lock file '{Path.Combine(directory.Path, target.FileName)}'", errno);
            }

            fd = Libc.OpenAt(directory.Handle, target.FileName, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                if (Libc.Statx(handle, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) == 0
                    && (stat.Mode & Libc.S_IFMT) == Libc.S_IFREG)
                {
                    return (handle, false);
                }

                handle.Dispose();
                throw new IOException(
                    $"'{Path.Combine(directory.Path, target.FileName)}' is not a regular file; refusing to use it as a lock file. Remove it.");
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.ELOOP)
            {
                throw new IOException(
                    $"'{Path.Combine(directory.Path, target.FileName)}' is a symbolic link where a lock file belongs; refusing to follow it. Remove the link.");
            }

            if (errno != Libc.ENOENT)
            {
                throw Libc.Error($"Cannot open the lock file '{Path.Combine(directory.Path, target.FileName)}'", errno);
            }

            // Deleted between the two opens by its last user: create it again.
        }
    }

    private static bool TryMain(SafeFileHandle fd, FileLockTarget target, LockMode mode) =>
        target.UsesFlock
            ? FileLocks.TryFlock(fd, mode == LockMode.Shared ? Libc.LOCK_SH : Libc.LOCK_EX)
            : FileLocks.TryLock(fd, target.Main, 1, mode == LockMode.Shared ? Libc.F_RDLCK : Libc.F_WRLCK);

    private static int MainWait(SafeFileHandle fd, FileLockTarget target, LockMode mode) =>
        target.UsesFlock
            ? Libc.Flock(fd, mode == LockMode.Shared ? Libc.LOCK_SH : Libc.LOCK_EX)
            : FileLocks.LockWait(fd, target.Main, 1, mode == LockMode.Shared ? Libc.F_RDLCK : Libc.F_WRLCK);

    /// <summary>Runs a blocking call on the waiting thread: false when stopped, an exception when the call failed.</summary>
    private static bool Block(WaitingThread waiting, Func<int> call, string what)
    {
        if (!waiting.Block(call, out var result, out var errno))
        {
            return false;
        }

        return result == 0 ? true : throw Libc.Error(what, errno);
    }

    /// <summary>
    /// Holds the count byte of this semaphore size and checks that nobody uses another size. False when
    /// the file is being deleted (its deleter holds everything).
    /// </summary>
    private static bool JoinCount(SafeFileHandle fd, FileLockTarget target, int maxCount)
    {
        if (!FileLocks.TryLock(fd, target.Count(maxCount), 1, Libc.F_RDLCK))
        {
            return false;
        }

        foreach (var (start, end) in new[] { (target.CountRangeStart, target.Count(maxCount)), (target.Count(maxCount) + 1, target.Count(DistributedSemaphore.MaxMaxCount) + 1) })
        {
            if (end > start && FileLocks.FindConflict(fd, start, end - start, Libc.F_WRLCK) is { } conflict)
            {
                if (conflict.Start < target.CountRangeStart)
                {
                    return false;
                }

                var other = conflict.Start - target.Count(0);
                throw new InvalidOperationException(
                    $"Semaphore '{target.Name}' is in use with a count of {other}; this request asked for {maxCount}. Every user of a semaphore must agree on its count.");
            }
        }

        return true;
    }

    private static int TryAnySlot(SafeFileHandle fd, FileLockTarget target, int maxCount)
    {
        for (var i = 0; i < maxCount; i++)
        {
            if (FileLocks.TryLock(fd, target.Slot(i), 1, Libc.F_WRLCK))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Waits for any slot. The kernel cannot wait for "one of N" ranges, so the gate holder (the only
    /// semaphore waiter that looks: the others queue on the gate) watches the file with inotify: every
    /// release closes a descriptor of it, and so does a holder's death. Each event triggers one more scan.
    /// </summary>
    private static int WaitForSlot(SafeFileHandle fd, FileLockTarget target, int maxCount, WaitingThread waiting)
    {
        using var inotify = Libc.Own(Libc.InotifyInit(Libc.IN_NONBLOCK | Libc.IN_CLOEXEC), "inotify_init1");
        if (Libc.InotifyAddWatch(inotify, $"/proc/self/fd/{fd.DangerousGetHandle()}", SlotWatchMask) < 0)
        {
            throw Libc.Error("inotify_add_watch");
        }

        while (true)
        {
            Drain(inotify);
            var slot = TryAnySlot(fd, target, maxCount);
            if (slot >= 0)
            {
                return slot;
            }

            var poll = new PollFd { Fd = (int)inotify.DangerousGetHandle(), Events = Libc.POLLIN };
            if (!Block(waiting, () => Libc.Poll(ref poll, 1, -1) < 0 ? -1 : 0, "poll"))
            {
                return -1;
            }
        }
    }

    private static unsafe void Drain(SafeFileHandle inotify)
    {
        var buffer = stackalloc byte[4096];
        while (Libc.Read(inotify, buffer, 4096) > 0)
        {
        }
    }
}
