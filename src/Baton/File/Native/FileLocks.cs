using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Native;

/// <summary>
/// Byte-range open-file-description locks (<c>F_OFD_*</c>): owned by the open file, not the process, so
/// two descriptors of one process exclude each other, and closing the descriptor (or dying) drops them.
/// They conflict with the classic POSIX locks that Python's <c>fcntl.lockf</c> takes.
/// </summary>
internal static class FileLocks
{
    /// <summary>Length 0: from the start to the end of the file, however far it grows.</summary>
    public const long ToEnd = 0;

    /// <summary>Tries a lock without waiting: false when someone else holds a conflicting lock.</summary>
    public static bool TryLock(SafeFileHandle fd, long start, long length, short type)
    {
        var request = new Flock { Type = type, Whence = 0, Start = start, Length = length };
        if (Libc.FcntlLock(fd, Libc.F_OFD_SETLK, ref request) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is Libc.EAGAIN or Libc.EACCES ? false : throw Libc.Error("fcntl(F_OFD_SETLK)", errno);
    }

    /// <summary>The raw blocking call for <see cref="WaitingThread.Block"/>: 0, or -1 with errno set.</summary>
    public static int LockWait(SafeFileHandle fd, long start, long length, short type)
    {
        var request = new Flock { Type = type, Whence = 0, Start = start, Length = length };
        return Libc.FcntlLock(fd, Libc.F_OFD_SETLKW, ref request);
    }

    /// <summary>Blocks on the calling thread until the lock is granted (used only where the wait is known to be brief).</summary>
    public static void Lock(SafeFileHandle fd, long start, long length, short type)
    {
        while (LockWait(fd, start, length, type) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw Libc.Error("fcntl(F_OFD_SETLKW)", errno);
            }
        }
    }

    /// <summary>Drops this descriptor's locks in the range.</summary>
    public static void Unlock(SafeFileHandle fd, long start, long length)
    {
        var request = new Flock { Type = Libc.F_UNLCK, Whence = 0, Start = start, Length = length };
        if (Libc.FcntlLock(fd, Libc.F_OFD_SETLK, ref request) != 0)
        {
            throw Libc.Error("fcntl(F_OFD_SETLK, F_UNLCK)");
        }
    }

    /// <summary>Finds a lock of another open file that conflicts with the given one; null when there is none.</summary>
    public static (long Start, long Length, short Type)? FindConflict(SafeFileHandle fd, long start, long length, short type)
    {
        var request = new Flock { Type = type, Whence = 0, Start = start, Length = length };
        if (Libc.FcntlLock(fd, Libc.F_OFD_GETLK, ref request) != 0)
        {
            throw Libc.Error("fcntl(F_OFD_GETLK)");
        }

        return request.Type == Libc.F_UNLCK ? null : (request.Start, request.Length, request.Type);
    }

    /// <summary>flock(2) without waiting: false when someone else holds a conflicting lock.</summary>
    public static bool TryFlock(SafeFileHandle fd, int operation)
    {
        if (Libc.Flock(fd, operation | Libc.LOCK_NB) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.EAGAIN ? false : throw Libc.Error("flock", errno);
    }
}
