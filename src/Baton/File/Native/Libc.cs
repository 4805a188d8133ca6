using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Native;

/// <summary>
/// The few libc calls the file backend needs, through source-generated interop. Linux only (open file
/// description locks, statx, inotify); the constants are the Linux values, which are the same on x86-64
/// and arm64. <c>"libc"</c> is mapped to the C library by the runtime.
/// </summary>
internal static partial class Libc
{
    private const string Library = "libc";

    // open(2) flags.
    public const int O_RDONLY = 0x0;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;

    // fcntl(2) commands: open-file-description locks (Linux 3.15+).
    public const int F_OFD_GETLK = 36;
    public const int F_OFD_SETLK = 37;
    public const int F_OFD_SETLKW = 38;

    public const short F_RDLCK = 0;
    public const short F_WRLCK = 1;
    public const short F_UNLCK = 2;

    // flock(2) operations.
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    // errno values.
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOENT = 2;
    public const int ELOOP = 40;
    public const int EISDIR = 21;
    public const int ENOSPC = 28;
    public const int EOPNOTSUPP = 95;
    public const int EDQUOT = 122;

    // *at(2) flags.
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;

    // File type bits of st_mode.
    public const int S_IFMT = 0xF000;
    public const int S_IFDIR = 0x4000;
    public const int S_IFREG = 0x8000;
    public const int S_IFLNK = 0xA000;

    // inotify.
    public const int IN_NONBLOCK = 0x800;
    public const int IN_CLOEXEC = 0x80000;
    public const uint IN_ATTRIB = 0x4;
    public const uint IN_CLOSE_WRITE = 0x8;
    public const uint IN_CLOSE_NOWRITE = 0x10;
    public const uint IN_DELETE_SELF = 0x400;
    public const uint IN_MODIFY = 0x2;
    public const uint IN_MOVED_FROM = 0x40;
    public const uint IN_MOVED_TO = 0x80;
    public const uint IN_CREATE = 0x100;
    public const uint IN_DELETE = 0x200;
    public const uint IN_Q_OVERFLOW = 0x4000;
    public const uint IN_IGNORED = 0x8000;
    public const short POLLIN = 0x1;

    // mmap.
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x1;

    public const int SIG_BLOCK = 0;
    public const int SIG_UNBLOCK = 1;

    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int OpenAt(SafeFileHandle directory, string path, int flags, int mode);

    /// <summary>openat(2) with a name already encoded as NUL-terminated UTF-8 (the hot path encodes it once per name).</summary>
    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true)]
    public static unsafe partial int OpenAt(SafeFileHandle directory, byte* path, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "unlinkat", SetLastError = true)]
    public static unsafe partial int UnlinkAt(SafeFileHandle directory, byte* path, int flags);

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true)]
    public static unsafe partial int Statx(SafeFileHandle directory, byte* path, int flags, uint mask, out Statx buffer);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static unsafe partial nint Pread(SafeFileHandle fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "pwrite", SetLastError = true)]
    public static unsafe partial nint Pwrite(SafeFileHandle fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MakeDirectory(string path, int mode);

    [LibraryImport(Library, EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int UnlinkAt(SafeFileHandle directory, string path, int flags);

    [LibraryImport(Library, EntryPoint = "renameat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int RenameAt(SafeFileHandle fromDirectory, string from, SafeFileHandle toDirectory, string to);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int FcntlLock(SafeFileHandle fd, int command, ref Flock flock);

    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport(Library, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, out Statx buffer);

    [LibraryImport(Library, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int StatxPath(int directory, string path, int flags, uint mask, out Statx buffer);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(SafeFileHandle fd, long length);

    /// <summary>fallocate(2): reserves the blocks of a range, so writing it through a mapping cannot fail for want of space (SIGBUS).</summary>
    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport(Library, EntryPoint = "inotify_init1", SetLastError = true)]
    public static partial int InotifyInit(int flags);

    [LibraryImport(Library, EntryPoint = "inotify_add_watch", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int InotifyAddWatch(SafeFileHandle inotify, string path, uint mask);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fd, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(SafeFileHandle fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, SafeFileHandle fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "pthread_self")]
    public static partial nuint PthreadSelf();

    [LibraryImport(Library, EntryPoint = "pthread_kill")]
    public static partial int PthreadKill(nuint thread, int signal);

    [LibraryImport(Library, EntryPoint = "pthread_sigmask")]
    public static partial int PthreadSigmask(int how, in SigSet set, nint oldSet);

    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int SigAction(int signal, in SigActionStruct action, nint oldAction);

    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int SigActionQuery(int signal, nint action, out SigActionStruct oldAction);

    [LibraryImport(Library, EntryPoint = "__libc_current_sigrtmin")]
    public static partial int SigRtMin();

    [LibraryImport(Library, EntryPoint = "__libc_current_sigrtmax")]
    public static partial int SigRtMax();

    /// <summary>Wraps a descriptor returned by a call, or throws with the errno text when the call failed.</summary>
    public static SafeFileHandle Own(int fd, string what)
    {
        if (fd < 0)
        {
            throw Error(what);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>An <see cref="IOException"/> naming the failed call and the errno text, with the errno as HResult.</summary>
    public static IOException Error(string what, int? errno = null)
    {
        var code = errno ?? Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(code)} (errno {code}).", code);
    }
}

/// <summary><c>struct flock</c> on Linux x86-64 and arm64 (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Flock
{
    public short Type;
    public short Whence;
    public long Start;
    public long Length;
    public int Pid;
}

/// <summary><c>struct statx</c>: one layout on every Linux architecture (256 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct Statx
{
    [FieldOffset(16)]
    public uint Nlink;

    [FieldOffset(20)]
    public uint Uid;

    [FieldOffset(28)]
    public ushort Mode;

    [FieldOffset(32)]
    public ulong Inode;

    [FieldOffset(40)]
    public long Size;

    [FieldOffset(112)]
    public long MtimeSeconds;

    [FieldOffset(120)]
    public uint MtimeNanoseconds;

    [FieldOffset(136)]
    public uint DeviceMajor;

    [FieldOffset(140)]
    public uint DeviceMinor;

    public readonly bool IsSameFile(in Statx other) =>
        Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;

    /// <summary>The file's device and inode, to recognise it later by path.</summary>
    public readonly FileIdentity Identity => new(Inode, DeviceMajor, DeviceMinor);
}

/// <summary><c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>glibc's <c>sigset_t</c> (1,024 bits).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SigSet
{
    public fixed ulong Bits[16];

    public void Add(int signal) => Bits[(signal - 1) / 64] |= 1UL << ((signal - 1) % 64);
}

/// <summary>glibc's <c>struct sigaction</c> on x86-64 and arm64 (152 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SigActionStruct
{
    public nint Handler;
    public SigSet Mask;
    public int Flags;
    public nint Restorer;
}

/// <summary>Which file a path names: its inode on its device.</summary>
/// <param name="Inode">The inode number.</param>
/// <param name="DeviceMajor">The device's major number.</param>
/// <param name="DeviceMinor">The device's minor number.</param>
internal readonly record struct FileIdentity(ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    /// <summary>Whether <paramref name="named"/> is this file.</summary>
    public bool Is(in Statx named) => Inode == named.Inode && DeviceMajor == named.DeviceMajor && DeviceMinor == named.DeviceMinor;
}
