using System.Runtime.InteropServices;
using Baton.Files.Guard;
using Baton.Files.Native;
using Baton.Files.Presence;
using Baton.Files.Records;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files;

/// <summary>The kernel side of one hold: the open lock file (its own open file description) and the semaphore slot.</summary>
internal sealed class HeldFile(SafeFileHandle fd, int slot, long size, FileIdentity identity)
{
    public SafeFileHandle Fd { get; } = fd;

    /// <summary>The file locked, as the path named it when the hold was confirmed.</summary>
    public FileIdentity Identity { get; } = identity;

    /// <summary>The semaphore slot held, or -1.</summary>
    public int Slot { get; } = slot;

    /// <summary>The file's size when the hold was confirmed: 0 means a fresh file, with no record of anyone to look at.</summary>
    public long Size { get; } = size;

    /// <summary>The hold's byte of the guard file; null where there is none (<c>mode=table</c>, groups).</summary>
    public GuardHold? Guard { get; init; }
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

    /// <summary>How long a semaphore's gate holder waits for an inotify event before it rescans the slots anyway (see <see cref="WaitForSlot"/>).</summary>
    private const int SlotRescanMilliseconds = 100;

    /// <summary>
    /// Tries once, without waiting, on the caller's thread: null when the name is taken or someone queues for it.
    /// An exclusive lock takes the main byte and the gate in one call (free only when nobody holds the lock and
    /// nobody waits at the gate), then drops the gate: two <c>fcntl</c>s. Readers and semaphore users pass the gate
    /// on their own first; meeting another such try there, or a deleter holding the whole file, is no reason to deny
    /// (both could hold), so they try again for a moment (<see cref="TransientRefusals"/>) unless someone waits.
    /// </summary>
    public static HeldFile? TryAcquire(FileLockDirectory directory, FileBackendOptions options, FileLockTarget target, LockMode mode, int maxCount)
    {
        var transient = new TransientRefusals();
        while (true)
        {
            var fd = Open(directory, target);
            var keep = false;
            try
            {
                var slot = -1;
                if (target.Kind == LockKind.Semaphore)
                {
                    if (options.Layout != FileLayout.Table && !JoinCount(fd, target, maxCount))
                    {
                        // Someone holds the whole file: its last user deleting it (a releaser between its probe and
                        // its close, a leaving waiter, baton clean).
                        if (transient.GiveUp())
                        {
                            return null;
                        }

                        continue;
                    }

                    if (!FileLocks.TryLock(fd, target.Gate, 1, Libc.F_WRLCK))
                    {
                        if (SomeoneWaits(fd, target) || transient.GiveUp())
                        {
                            return null;
                        }

                        continue;
                    }

                    slot = TryAnySlot(fd, target, maxCount);
                    FileLocks.Unlock(fd, target.Gate, 1);
                    if (slot < 0)
                    {
                        return null;
                    }
                }
                else if (mode == LockMode.Exclusive && !target.UsesFlock)
                {
                    // Main (offset 0) and gate (1) are adjacent: one request for both.
                    if (!FileLocks.TryLock(fd, target.Main, 2, Libc.F_WRLCK))
                    {
                        return null;
                    }

                    FileLocks.Unlock(fd, target.Gate, 1);
                }
                else
                {
                    if (!FileLocks.TryLock(fd, target.Gate, 1, Libc.F_WRLCK))
                    {
                        if (SomeoneWaits(fd, target) || transient.GiveUp())
                        {
                            return null;
                        }

                        continue;
                    }

                    var held = TryMain(fd, target, mode);
                    FileLocks.Unlock(fd, target.Gate, 1);
                    if (!held)
                    {
                        return null;
                    }
                }

                var size = LinkedSize(directory, target, fd, out var identity);
                if (size < 0)
                {
                    continue;
                }

                keep = true;
                if (!Guarded(options, target))
                {
                    return new HeldFile(fd, slot, size, identity);
                }

                if (directory.Guard.TryTake(target, slot, mode) is { } guard)
                {
                    return new HeldFile(fd, slot, size, identity) { Guard = guard };
                }

                // The holder of a file deleted from outside still holds the name: busy, as it is.
                Release(directory, options, target, new HeldFile(fd, slot, size, identity), record: null);
                return null;
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

    /// <summary>
    /// Acquires the name on its waiting thread, queueing in the kernel; null only when the thread was stopped.
    /// <paramref name="publish"/> writes the waiting record of each attempt's open file, just before it may
    /// block; the record of the attempt that wins comes back in <paramref name="record"/>.
    /// </summary>
    public static HeldFile? Acquire(
        FileLockDirectory directory,
        FileBackendOptions options,
        FileLockTarget target,
        LockMode mode,
        int maxCount,
        WaitingThread waiting,
        Func<SafeFileHandle, HoldRecord> publish,
        out HoldRecord? record)
    {
        record = null;
        while (true)
        {
            // Every round after the first was sent round by a deletion (or a whole-file lock): a stop requested
            // meanwhile ends the wait here, before another open (a stop during a blocking call ends it there).
            if (waiting.StopRequested)
            {
                return null;
            }

            var fd = Open(directory, target);
            HoldRecord? published = null;
            var outcome = Outcome.Retry;
            try
            {
                // Refused only while someone holds the whole file (its deleter, a leaving waiter, baton clean): wait
                // for that close in the kernel, then start over with whatever the path names by then. Retrying at
                // once would spin, deaf to a stop, for as long as that process holds it (unbounded when it is stopped).
                if (target.Kind == LockKind.Semaphore && options.Layout != FileLayout.Table && !JoinCount(fd, target, maxCount))
                {
                    if (!Block(waiting, () => FileLocks.LockWait(fd, target.Count(maxCount), 1, Libc.F_RDLCK), "fcntl(F_OFD_SETLKW) on the count byte"))
                    {
                        return null;
                    }

                    continue;
                }

                // The waiting byte only tells a releaser not to delete the file; kept files need none, and
                // there it would collide with a Python peer's whole-file lockf for nothing.
                if (!options.KeepsFiles && !FileLocks.TryLock(fd, target.Waiting, 1, Libc.F_RDLCK))
                {
                    // Only a whole-file lock holds this byte exclusively (as above): wait for its close, start over.
                    if (!Block(waiting, () => FileLocks.LockWait(fd, target.Waiting, 1, Libc.F_RDLCK), "fcntl(F_OFD_SETLKW) on the waiting byte"))
                    {
                        return null;
                    }

                    continue;
                }

                // A waiting record is written before the re-check after locking: check first that the file is one
                // of ours, and no other file's hard link, so nothing is ever written into a file planted here.
                EnsurePlainFile(directory, target, fd);
                published = publish(fd);
                outcome = Outcome.Stopped;
                if (!FileLocks.TryLock(fd, target.Gate, 1, Libc.F_WRLCK)
                    && !Block(waiting, () => FileLocks.LockWait(fd, target.Gate, 1, Libc.F_WRLCK), "fcntl(F_OFD_SETLKW) on the gate"))
                {
                    return null;
                }

                var slot = -1;
                if (target.Kind == LockKind.Semaphore)
                {
                    slot = TryAnySlot(fd, target, maxCount);
                    if (slot < 0 && (slot = WaitForSlot(fd, target, maxCount, waiting)) < 0)
                    {
                        return null;
                    }
                }
                else if (!TryMain(fd, target, mode) && !Block(waiting, () => MainWait(fd, target, mode), "waiting for the lock"))
                {
                    return null;
                }

                // The gate goes at once, so the next waiter queues on the main byte; the waiting byte stays
                // until the file is closed (this hold's own release is not hindered by its own locks).
                FileLocks.Unlock(fd, target.Gate, 1);
                outcome = Outcome.Retry;
                var size = LinkedSize(directory, target, fd, out var identity);
                if (size < 0)
                {
                    continue;
                }

                GuardHold? guard = null;
                if (Guarded(options, target))
                {
                    // Free at once unless a file of the name was deleted from outside while held: then its holder has
                    // it, and this wait goes on until that hold ends.
                    outcome = Outcome.Stopped;
                    guard = directory.Guard.Take(target, slot, mode, waiting);
                    if (guard is null)
                    {
                        return null;
                    }
                }

                outcome = Outcome.Held;
                record = published;
                return new HeldFile(fd, slot, size, identity) { Guard = guard };
            }
            finally
            {
                switch (outcome)
                {
                    case Outcome.Stopped:
                        Leave(directory, options, target, fd, published);
                        break;
                    case Outcome.Retry:
                        published?.Remove();
                        fd.Dispose();
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Ends a hold: deletes the file if this was its last user (and the layout deletes files), unless a dead
    /// holder's record is in it; otherwise removes the record. Then closes it. False when the path no longer names
    /// the file held: someone else deleted or replaced it during the hold, so another process may have taken the
    /// name meanwhile, and the file the path names now, which is that process's, is left alone.
    /// </summary>
    public static bool Release(FileLockDirectory directory, FileBackendOptions options, FileLockTarget target, HeldFile held, HoldRecord? record)
    {
        try
        {
            // The guard first: the name's own lock still excludes everyone who opened this file.
            held.Guard?.Release();

            // Before deleting by path, make sure the path still names our file: deleting another holder's file would
            // let a third process create the name afresh and hold it too, and so on down the line.
            var named = options.KeepsFiles || held.Fd.IsClosed || StillNamed(directory, target, held.Identity);
            // Everything in the file is ours once the whole-file lock is: nobody holds or waits, and anyone who
            // opened it meanwhile will find it unlinked after locking and start over. The records inside go with
            // it, except that a co-holder's record, dead since it is not locked, is the takeover notice of the
            // name's next holder: the file stays for that holder, who deletes it on its own release.
            var deleted = named && !options.KeepsFiles && !held.Fd.IsClosed
                && FileLocks.TryLock(held.Fd, 0, FileLocks.ToEnd, Libc.F_WRLCK)
                && !HoldsDeadHolder(held.Fd, record, knownSize: null)
                && TryUnlink(directory, target);
            if (!deleted)
            {
                // Someone still uses the file: the record must say this hold ended cleanly before the lock goes.
                record?.Remove();
            }

            return named;
        }
        finally
        {
            held.Fd.Dispose();
        }
    }

    /// <summary>
    /// Whether holds of the target also take a guard byte: not in <c>mode=table</c>, whose one file is never deleted
    /// and is its own guard, nor for groups, whose members all share.
    /// </summary>
    public static bool Guarded(FileBackendOptions options, FileLockTarget target) =>
        options.Layout != FileLayout.Table && target.Kind != LockKind.Group;

    /// <summary>Whether the lock file's path names <paramref name="held"/> (a statx of the path, never following a link).</summary>
    private static unsafe bool StillNamed(FileLockDirectory directory, FileLockTarget target, FileIdentity held)
    {
        fixed (byte* name = target.FileNameZ)
        {
            try
            {
                return Libc.Statx(directory.Handle, name, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var named) == 0 && held.Is(named);
            }
            catch (ObjectDisposedException)
            {
                // The coordinator was disposed meanwhile and closed the directory: nothing is deleted then anyway.
                return true;
            }
        }
    }

    /// <summary>
    /// A stopped waiter leaves: like a release, it deletes the file when it was the last user and no dead
    /// holder's record is in it. It never held the lock, so it first checks that the path still names its file
    /// (it may have opened one already deleted).
    /// </summary>
    private static void Leave(FileLockDirectory directory, FileBackendOptions options, FileLockTarget target, SafeFileHandle fd, HoldRecord? record)
    {
        try
        {
            long size;
            var deleted = !options.KeepsFiles
                && FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK)
                && (size = LinkedSize(directory, target, fd, out _)) >= 0
                && !HoldsDeadHolder(fd, record, size)
                && TryUnlink(directory, target);
            if (!deleted)
            {
                record?.Remove();
            }
        }
        finally
        {
            fd.Dispose();
        }
    }

    /// <summary>
    /// Under the whole-file lock (so every other owner of a record in the file is dead): whether the file holds a
    /// holder's record (holding or abandoned) other than <paramref name="own"/>, which must then not be deleted.
    /// An exclusive holder whose record is in the holder region got the lock at once and never shared it: nobody
    /// else could hold the name meanwhile, and it claimed the dead holders' records it found when it got the
    /// lock, so the answer is no, without reading (the uncontended cycle's system calls stay as they are).
    /// </summary>
    private static bool HoldsDeadHolder(SafeFileHandle fd, HoldRecord? own, long? knownSize)
    {
        var ownSlot = (own as InFileRecord)?.Slot;
        return ownSlot != RecordLayout.Region && InFileScanner.HasHolderRecord(fd, ownSlot, knownSize);
    }

    /// <summary>
    /// Unlinks the lock file; false when that failed, or when the coordinator was disposed meanwhile and closed the
    /// directory (a release racing the disposal): the file then stays, empty of live records, for its next user.
    /// </summary>
    private static bool TryUnlink(FileLockDirectory directory, FileLockTarget target)
    {
        try
        {
            return UnlinkAt(directory, target) == 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The re-check after locking: the size of the file when the path still names the very file the descriptor
    /// has open and it is still linked; -1 when not (a releaser deleted it). One statx of the descriptor, one of the path.
    /// </summary>
    public static unsafe long LinkedSize(FileLockDirectory directory, FileLockTarget target, SafeFileHandle fd, out FileIdentity identity)
    {
        identity = default;
        var empty = (byte)0;
        if (Libc.Statx(fd, &empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var opened) != 0)
        {
            throw Libc.Error("statx");
        }

        if ((opened.Mode & Libc.S_IFMT) != Libc.S_IFREG)
        {
            throw NotRegular(directory, target.FileName);
        }

        if (opened.Nlink == 0)
        {
            return -1;
        }

        if (opened.Nlink > 1)
        {
            throw HardLinked(directory, target.FileName, opened.Nlink);
        }

        identity = opened.Identity;

        int result;
        fixed (byte* name = target.FileNameZ)
        {
            result = Libc.Statx(directory.Handle, name, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var named);
            if (result == 0)
            {
                return opened.IsSameFile(named) ? opened.Size : -1;
            }
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.ENOENT ? -1 : throw Libc.Error($"statx({target.FileName})", errno);
    }

    /// <summary>True when the path still names the very file the descriptor has open, and it is still linked.</summary>
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

    /// <summary>
    /// Opens (or creates) the lock file without following links, in one call. That it is a regular file is
    /// checked by the re-check after locking (<see cref="LinkedSize"/>), which reads its type anyway.
    /// </summary>
    public static unsafe SafeFileHandle Open(FileLockDirectory directory, FileLockTarget target)
    {
        int fd;
        fixed (byte* name = target.FileNameZ)
        {
            fd = Libc.OpenAt(directory.Handle, name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, FileMode);
        }

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        throw errno switch
        {
            Libc.ELOOP => new IOException(
                $"'{Path.Combine(directory.Path, target.FileName)}' is a symbolic link where a lock file belongs; refusing to follow it. Remove the link."),
            Libc.EISDIR => NotRegular(directory, target.FileName),
            _ => Libc.Error($"Cannot open the lock file '{Path.Combine(directory.Path, target.FileName)}'", errno),
        };
    }

    /// <summary>rw-rw----: the lock directory (0700 when Baton creates it) is what keeps other users out.</summary>
    private const int FileMode = 0x1B0;

    private enum Outcome
    {
        Retry,
        Stopped,
        Held,
    }

    private static unsafe int UnlinkAt(FileLockDirectory directory, FileLockTarget target)
    {
        fixed (byte* name = target.FileNameZ)
        {
            return Libc.UnlinkAt(directory.Handle, name, 0);
        }
    }

    internal static unsafe void EnsurePlainFile(FileLockDirectory directory, FileLockTarget target, SafeFileHandle fd)
    {
        var empty = (byte)0;
        if (Libc.Statx(fd, &empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var opened) != 0)
        {
            throw Libc.Error("statx");
        }

        if ((opened.Mode & Libc.S_IFMT) != Libc.S_IFREG)
        {
            throw NotRegular(directory, target.FileName);
        }

        if (opened.Nlink > 1)
        {
            throw HardLinked(directory, target.FileName, opened.Nlink);
        }
    }

    /// <summary>Baton never links a lock file twice: a second link is someone else's file, which lock records would overwrite.</summary>
    private static IOException HardLinked(FileLockDirectory directory, string fileName, uint links) =>
        new($"'{Path.Combine(directory.Path, fileName)}' has {links} hard links, so it is also a file elsewhere; refusing to write lock records into it. Remove it.");

    private static IOException NotRegular(FileLockDirectory directory, string fileName) =>
        new($"'{Path.Combine(directory.Path, fileName)}' is not a regular file; refusing to use it as a lock file. Remove it.");

    /// <summary>
    /// Whether a waiter holds the name's waiting byte: then the gate is taken for as long as it waits, and a try must
    /// not pass it. A deleter's whole-file lock also covers the byte, but as a write lock; kept files have no waiting
    /// byte, and their tries rely on the grace alone.
    /// </summary>
    private static bool SomeoneWaits(SafeFileHandle fd, FileLockTarget target) =>
        FileLocks.FindConflict(fd, target.Waiting, 1, Libc.F_WRLCK) is { Type: Libc.F_RDLCK };

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
    /// the count byte is refused: someone holds the whole file (its deleter, a leaving waiter, a cleaner).
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
                    // A lock reaching down below the count bytes is no count of another size. It cannot be a
                    // deleter's (or a cleaner's) whole-file write lock, which the count byte just taken excludes;
                    // only something outside the protocol takes such a lock, and it says nothing about counts.
                    // (Reporting it as a deletion would send the caller round again at once, for as long as it lasts.)
                    continue;
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
    /// release closes a descriptor of it, and so does a holder's death. Each event triggers one more scan, and
    /// so does a quiet <see cref="SlotRescanMilliseconds"/>: the backstop for an event that raced the unlock.
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

            // The timeout is a backstop, not sleep-and-retry: the kernel notifies a close (fsnotify_close) before
            // it drops that file's locks (locks_remove_file), so the event of a release can arrive, and this scan
            // run, while the slot is still locked; with nothing more coming, poll(-1) would then wait for the next
            // release or death, perhaps forever. Without such a race every wake-up is an event, as before; the
            // timeout only adds a rescan every 100 ms while all slots stay busy (one fcntl per busy slot).
            var poll = new PollFd { Fd = (int)inotify.DangerousGetHandle(), Events = Libc.POLLIN };
            if (!Block(waiting, () => Libc.Poll(ref poll, 1, SlotRescanMilliseconds) < 0 ? -1 : 0, "poll"))
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
