using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files;

/// <summary>
/// The fencing tokens of one lock directory: one 64-bit counter in <c>.fencing</c>, mapped shared into
/// every process that uses the directory and bumped with an atomic add on the mapped memory, so two
/// processes never get the same token. The file outlives the lock files, so tokens keep increasing across
/// their deletion. Each process raises the counter to the wall clock in microseconds when it maps it, so a
/// counter lost with <c>/run/lock</c> at reboot (or never flushed before a power cut) starts above every
/// token handed out before — unless more than a million tokens a second were drawn for a long time, which
/// would put the counter ahead of the clock.
/// </summary>
/// <remarks>
/// <para>
/// The file can be deleted, replaced or truncated under running processes (an <c>rm</c>, systemd-tmpfiles'
/// age cleaning, a restore, a <c>&gt; .fencing</c>). A mapping made once would then keep counting on an inode
/// that processes connecting later no longer see (two counters: a later holder gets a smaller token), or
/// fault with SIGBUS, which the runtime turns into an abort. So every draw first asks, with one
/// <c>statx</c> of the name relative to the directory (no link followed), whether the name still denotes
/// the mapped inode with its whole page. The device and inode numbers are enough: this process keeps that
/// inode open and mapped, so the file system cannot give its number to another file while the mapping
/// lives — a name that shows the same numbers is that very file, with at least one link (no separate check
/// of the link count is needed). When the name denotes something else, the draw maps the file it denotes
/// now (creating it when missing), <em>retires</em> the old page (sets <see cref="RetiredBit"/> in it, which
/// also reads its last value atomically) and raises the new counter above that value, above every token
/// this process drew, and to the clock. A process that checked the name just before the replacement and
/// adds on the old page after it finds the bit in its result and draws again, so no token is handed out
/// from a page after another page was raised above it.
/// </para>
/// <para>
/// A truncation loses the value (the page reads as zeros once the file is extended again): the process that
/// notices re-allocates the page and raises it to its own highest token and the clock; every other process
/// raises it above its own highest token at its next draw. A truncation that lands between a draw's
/// <c>statx</c> and its atomic add (a window of well under a microsecond) still faults that process; see
/// docs/backends/file.md, "Fencing tokens", for why the counter stays mapped nonetheless.
/// </para>
/// </remarks>
internal sealed unsafe class FencingCounter
{
    /// <summary>The name of the counter file; it starts with a dot, which escaped lock names never do.</summary>
    public const string FileName = ".fencing";

    /// <summary>
    /// Set in a page's counter by the process that found the file replaced: a draw whose result carries it
    /// came from a page that is no longer the directory's counter and is not handed out. Tokens are about
    /// 2^51 (microseconds since 1970), far below it.
    /// </summary>
    private const long RetiredBit = 1L << 62;

    private const int MapLength = 4096;
    private static readonly int CounterFileMode = Convert.ToInt32("660", 8); // The directory's mode is what restricts access.

    private static readonly Dictionary<(ulong Inode, uint Major, uint Minor), FencingCounter> Counters = [];
    private static readonly Lock CountersGate = new();

    /// <summary>This counter's own descriptor of the directory (the backend's is closed with the backend, the counter lives on).</summary>
    private readonly SafeFileHandle _directory;
    private readonly string _path;

    /// <summary>Taken to remap only; drawing takes no lock.</summary>
    private readonly Lock _remapGate = new();

    private volatile Mapping _mapping;

    /// <summary>The highest token this process drew from this directory: no later draw returns less (or equal).</summary>
    private long _highest;

    private FencingCounter(SafeFileHandle directory, string path, Mapping mapping)
    {
        _directory = directory;
        _path = path;
        _mapping = mapping;
    }

    /// <summary>
    /// The next token: strictly greater than every token this process drew before from this directory, and
    /// than every token drawn before by any process while the file was not truncated.
    /// </summary>
    /// <exception cref="IOException">The counter file cannot be (re)opened, is not a regular file, or there is no space for its page.</exception>
    public long Next()
    {
        while (true)
        {
            var mapping = _mapping;
            if (!DenotesWholePage(mapping))
            {
                Remap(mapping);
                continue;
            }

            var token = Interlocked.Increment(ref *mapping.Value);
            if ((token & RetiredBit) != 0)
            {
                // Another process found the file replaced after this one's check; the name tells which file counts now.
                Remap(mapping);
                continue;
            }

            var highest = Volatile.Read(ref _highest);
            if (token <= highest)
            {
                // The counter lost its value (a truncation, a file restored from a backup): carry this process's on.
                RaiseTo(mapping.Value, highest);
                continue;
            }

            RecordDrawn(token);
            return token;
        }
    }

    /// <summary>The current value (for tests).</summary>
    public long Peek()
    {
        while (true)
        {
            var mapping = _mapping;
            if (DenotesWholePage(mapping))
            {
                return Volatile.Read(ref *mapping.Value) & ~RetiredBit;
            }

            Remap(mapping);
        }
    }

    /// <summary>
    /// The counter of a directory, one per process and directory, kept for the process's lifetime: unmapping
    /// a page while a grant may still draw a token from it would fault. Raises the counter to the clock.
    /// </summary>
    public static FencingCounter For(FileLockDirectory directory)
    {
        var path = Path.Combine(directory.Path, FileName);
        if (Libc.Statx(directory.Handle, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var directoryStat) != 0)
        {
            throw Libc.Error($"statx({directory.Path})");
        }

        lock (CountersGate)
        {
            // Keyed by the directory, not by the counter's inode: after a replacement the process must keep one
            // counter (and one highest token) per directory. The counter holds the directory open, so its inode
            // number is not reused while it is a key.
            var key = (directoryStat.Inode, directoryStat.DeviceMajor, directoryStat.DeviceMinor);
            if (Counters.TryGetValue(key, out var counter))
            {
                counter.RaiseToClock();
                return counter;
            }

            var own = Libc.Own(
                Libc.OpenAt(directory.Handle, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0),
                $"Cannot open the lock directory '{directory.Path}' again");
            try
            {
                var mapping = OpenAndMap(own, path, out _);
                Revive(mapping.Value, ClockFloor());
                counter = new FencingCounter(own, path, mapping);
            }
            catch
            {
                own.Dispose();
                throw;
            }

            Counters[key] = counter;
            return counter;
        }
    }

    /// <summary>
    /// Whether the name still denotes the mapped inode, at least one page long: one <c>statx</c>, the only system
    /// call of a draw. Any failure (ENOENT above all) answers no, and the remap reports what is wrong.
    /// </summary>
    private bool DenotesWholePage(Mapping mapping)
    {
        Statx stat;
        fixed (byte* name = ".fencing\0"u8)
        {
            if (Libc.Statx(_directory, name, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out stat) != 0)
            {
                return false;
            }
        }

        return stat.IsSameFile(mapping.Identity) && stat.Size >= MapLength;
    }

    /// <summary>
    /// Makes the file the name denotes now this process's counter, raised above the one it replaces; a no-op when
    /// another thread already remapped since <paramref name="seen"/> was read.
    /// </summary>
    private void Remap(Mapping seen)
    {
        lock (_remapGate)
        {
            if (!ReferenceEquals(_mapping, seen))
            {
                return;
            }

            var floor = Math.Max(Volatile.Read(ref _highest), ClockFloor());
            var fd = OpenFile(_directory, _path, out var stat);
            if (stat.IsSameFile(seen.Identity))
            {
                // The same file: it was truncated (the open re-allocated the page, which now reads as zeros), or
                // retired by a process that saw another file here and put back since. The page is valid again.
                fd.Dispose();
                Revive(seen.Value, floor);
                return;
            }

            Mapping next;
            try
            {
                next = Map(fd, stat, _path);
            }
            catch
            {
                fd.Dispose();
                throw;
            }

            // Retire before publishing: a thread of this process that adds on the old page from now on sees the bit,
            // one that added before is counted in the value read here, and the new counter starts above it.
            Revive(next.Value, Math.Max(floor, Retire(seen)));
            _mapping = next;

            // The old page stays mapped (a late thread may still add on it) but its descriptor is not needed.
            seen.Fd.Dispose();
        }
    }

    /// <summary>Raises the counter to the clock, as a process does when it connects (see the class remarks).</summary>
    private void RaiseToClock()
    {
        while (true)
        {
            var mapping = _mapping;
            if (DenotesWholePage(mapping))
            {
                RaiseTo(mapping.Value, ClockFloor());
                return;
            }

            Remap(mapping);
        }
    }

    /// <summary>Notes a drawn token as this process's highest (threads draw concurrently: a maximum, not a plain store).</summary>
    private void RecordDrawn(long token)
    {
        var highest = Volatile.Read(ref _highest);
        while (token > highest)
        {
            var seen = Interlocked.CompareExchange(ref _highest, token, highest);
            if (seen == highest)
            {
                return;
            }

            highest = seen;
        }
    }

    /// <summary>
    /// Sets the retired bit in a replaced page and returns the value it had. The file is no longer at the name, but a
    /// process that has it open could still truncate it: the page is touched only while it is whole.
    /// </summary>
    private static long Retire(Mapping old)
    {
        if (Libc.Statx(old.Fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) != 0 || stat.Size < MapLength)
        {
            return 0; // Its value is lost; this process's highest token and the clock are the floor.
        }

        return Interlocked.Or(ref *old.Value, RetiredBit) & ~RetiredBit;
    }

    /// <summary>Clears the retired bit of a page that is the directory's counter (again) and raises it to at least <paramref name="floor"/>.</summary>
    private static void Revive(long* value, long floor)
    {
        var current = Volatile.Read(ref *value);
        while (true)
        {
            var target = Math.Max(current & ~RetiredBit, floor);
            if (target == current)
            {
                return;
            }

            var seen = Interlocked.CompareExchange(ref *value, target, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Raises a counter to at least <paramref name="floor"/>; other processes may add or raise at the same time.</summary>
    private static void RaiseTo(long* value, long floor)
    {
        var current = Volatile.Read(ref *value);
        while (current < floor)
        {
            var seen = Interlocked.CompareExchange(ref *value, floor, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static long ClockFloor() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    private static Mapping OpenAndMap(SafeFileHandle directory, string path, out Statx stat)
    {
        var fd = OpenFile(directory, path, out stat);
        try
        {
            return Map(fd, stat, path);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens (creating) the counter file without following a link, checks that it is a regular file and makes sure
    /// its page is allocated.
    /// </summary>
    private static SafeFileHandle OpenFile(SafeFileHandle directory, string path, out Statx stat)
    {
        var fd = Libc.OpenAt(directory, FileName, Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, CounterFileMode);
        if (fd < 0 && Marshal.GetLastPInvokeError() == Libc.ELOOP)
        {
            throw new IOException($"'{path}' is a symbolic link, not the fencing counter; remove it.", Libc.ELOOP);
        }

        var handle = Libc.Own(fd, $"Cannot open the fencing counter '{path}'");
        try
        {
            if (Libc.Statx(handle, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out stat) != 0)
            {
                throw Libc.Error($"statx({path})");
            }

            if ((stat.Mode & Libc.S_IFMT) != Libc.S_IFREG)
            {
                throw new IOException($"'{path}' is not a regular file; remove it.");
            }

            // A second link is some other file, which the counter would overwrite.
            if (stat.Nlink > 1)
            {
                throw new IOException($"'{path}' has {stat.Nlink} hard links, so it is also a file elsewhere, not the fencing counter; remove it.");
            }

            Allocate(handle, stat.Size, path);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Allocates the page. A sparse page (what <c>ftruncate</c> makes) would get its block at the first token, and on
    /// a full file system that write through the mapping is a SIGBUS, which aborts the process; <c>fallocate</c>
    /// fails here instead, with an exception. It never shrinks the file, so another process's value is kept.
    /// </summary>
    private static void Allocate(SafeFileHandle fd, long size, string path)
    {
        int result;
        int errno;
        do
        {
            result = Libc.Fallocate(fd, 0, 0, MapLength);
            errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        while (errno == Libc.EINTR);

        switch (errno)
        {
            case 0:
                return;
            case Libc.ENOSPC or Libc.EDQUOT:
                throw new IOException(
                    $"No space for the fencing counter '{path}' ({MapLength} bytes): {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}). Free space on that file system.",
                    errno);
            case Libc.EOPNOTSUPP when size >= MapLength:
                return; // A file system without fallocate (some network and FUSE ones): the page was written before.
            case Libc.EOPNOTSUPP:
                // Sparse, but the best such a file system offers; the map must not reach past the end of the file.
                if (Libc.Ftruncate(fd, MapLength) != 0)
                {
                    throw Libc.Error($"ftruncate({path})");
                }

                return;
            default:
                throw Libc.Error($"fallocate({path})", errno);
        }
    }

    private static Mapping Map(SafeFileHandle fd, in Statx stat, string path)
    {
        var address = Libc.Mmap(0, MapLength, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (address == -1)
        {
            throw Libc.Error($"mmap({path})");
        }

        return new Mapping(fd, (long*)address, stat);
    }

    /// <summary>One mapped counter page, with the descriptor and identity of its file.</summary>
    private sealed class Mapping(SafeFileHandle fd, long* value, Statx identity)
    {
        public SafeFileHandle Fd { get; } = fd;

        public long* Value { get; } = value;

        public Statx Identity { get; } = identity;
    }
}
