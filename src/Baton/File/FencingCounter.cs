using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files;

/// <summary>
/// The fencing tokens of one lock directory: one 64-bit counter in <c>.fencing</c>, mapped shared into
/// every process that uses the directory and bumped with an atomic add on the mapped memory, so a token
/// costs no system call and two processes never get the same one. The file outlives the lock files, so
/// tokens keep increasing across their deletion. Each process raises the counter to the wall clock in
/// microseconds when it maps it, so a counter lost with <c>/run/lock</c> at reboot (or never flushed
/// before a power cut) starts above every token handed out before — unless more than a million tokens a
/// second were drawn for a long time, which would put the counter ahead of the clock.
/// </summary>
internal sealed unsafe class FencingCounter
{
    /// <summary>The name of the counter file; it starts with a dot, which escaped lock names never do.</summary>
    public const string FileName = ".fencing";

    private const int MapLength = 4096;
    private static readonly Dictionary<(ulong Inode, uint Major, uint Minor), FencingCounter> Counters = [];
    private static readonly Lock CountersGate = new();

    private readonly long* _value;

    private FencingCounter(long* value) => _value = value;

    /// <summary>The next token: strictly greater than every token drawn before from this directory.</summary>
    public long Next() => Interlocked.Increment(ref *_value);

    /// <summary>The current value (for tests).</summary>
    public long Peek() => Volatile.Read(ref *_value);

    /// <summary>
    /// The counter of a directory, mapped once per process and kept for the process's lifetime (one page):
    /// unmapping it while a grant may still draw a token would fault.
    /// </summary>
    public static FencingCounter For(FileLockDirectory directory)
    {
        using var fd = Libc.Own(
            Libc.OpenAt(directory.Handle, FileName, Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, Convert.ToInt32("660", 8)),
            $"Cannot open the fencing counter '{Path.Combine(directory.Path, FileName)}'");
        if (Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) != 0)
        {
            throw Libc.Error("statx(.fencing)");
        }

        if ((stat.Mode & Libc.S_IFMT) != Libc.S_IFREG)
        {
            throw new IOException($"'{Path.Combine(directory.Path, FileName)}' is not a regular file; remove it.");
        }

        lock (CountersGate)
        {
            var key = (stat.Inode, stat.DeviceMajor, stat.DeviceMinor);
            if (!Counters.TryGetValue(key, out var counter))
            {
                // Extending never shrinks what another process wrote; a file shorter than the map would fault.
                if (stat.Size < MapLength && Libc.Ftruncate(fd, MapLength) != 0)
                {
                    throw Libc.Error("ftruncate(.fencing)");
                }

                var address = Libc.Mmap(0, MapLength, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
                if (address == -1)
                {
                    throw Libc.Error("mmap(.fencing)");
                }

                counter = new FencingCounter((long*)address);
                Counters[key] = counter;
            }

            counter.RaiseTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
            return counter;
        }
    }

    private void RaiseTo(long floor)
    {
        var current = Volatile.Read(ref *_value);
        while (current < floor)
        {
            var seen = Interlocked.CompareExchange(ref *_value, floor, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
