using System.Buffers.Binary;
using System.Text;
using Baton.Backends;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files;

/// <summary>
/// Watches one name's files with inotify on the lock directory: its lock file (created, written, closed after
/// writing, deleted — a holder's death closes its descriptor too) and the records kept beside it. A dedicated waiting thread blocks in
/// <c>poll</c> and reads the events; other names' events are ignored.
/// </summary>
internal sealed class FileNameWatch : NameWatch
{
    // Holders and waiters open lock files for writing, so their closes (and deaths) are IN_CLOSE_WRITE. Closes of
    // read-only descriptors are left out: the watcher's own reads would wake it, and it would read again, for ever.
    private const uint Mask = Libc.IN_CREATE | Libc.IN_DELETE | Libc.IN_MODIFY | Libc.IN_CLOSE_WRITE
        | Libc.IN_MOVED_FROM | Libc.IN_MOVED_TO | Libc.IN_DELETE_SELF;

    /// <summary>
    /// After an event, one more wake this much later: the kernel reports a close before it drops that file's locks, so
    /// a read right after a dying holder's close may still show it alive (see LockFile.WaitForSlot).
    /// </summary>
    private static readonly TimeSpan SecondLook = TimeSpan.FromMilliseconds(50);

    private static long s_wakes;

    private readonly SafeFileHandle _inotify;
    private readonly byte[] _fileName;
    private readonly byte[] _recordPrefix;
    private readonly TimeProvider _timeProvider;
    private readonly ChangeSignal _changed = new();
    private WaitingThread? _thread;

    private FileNameWatch(SafeFileHandle inotify, FileLockTarget target, TimeProvider timeProvider)
    {
        _inotify = inotify;
        _fileName = Encoding.UTF8.GetBytes(target.FileName);
        _recordPrefix = Encoding.UTF8.GetBytes(target.RecordPrefix);
        _timeProvider = timeProvider;
    }

    /// <summary>How many relevant events every watch of this process has seen (tests check that idle watches see none).</summary>
    internal static long Wakes => Interlocked.Read(ref s_wakes);

    public static FileNameWatch Start(FileLockDirectory directory, FileLockTarget target, TimeProvider timeProvider)
    {
        var inotify = Libc.Own(Libc.InotifyInit(Libc.IN_NONBLOCK | Libc.IN_CLOEXEC), "inotify_init1");
        try
        {
            // Through the directory's own descriptor: the path may have been replaced since it was checked and opened.
            if (Libc.InotifyAddWatch(inotify, $"/proc/self/fd/{directory.Handle.DangerousGetHandle()}", Mask) < 0)
            {
                throw Libc.Error("inotify_add_watch");
            }

            var watch = new FileNameWatch(inotify, target, timeProvider);
            watch._thread = WaitingThread.Start(watch.Run);
            return watch;
        }
        catch
        {
            inotify.Dispose();
            throw;
        }
    }

    public override ValueTask WaitForChangeAsync(CancellationToken cancellationToken) => _changed.WaitAsync(cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        if (_thread is { } thread && thread.RequestStop())
        {
            await thread.WaitStoppedAsync().ConfigureAwait(false);
        }

        _inotify.Dispose();
    }

    private unsafe void Run(WaitingThread thread)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var poll = new PollFd { Fd = (int)_inotify.DangerousGetHandle(), Events = Libc.POLLIN };
            if (!thread.Block(() => Libc.Poll(ref poll, 1, -1) < 0 ? -1 : 0, out _, out _))
            {
                return;
            }

            var relevant = false;
            fixed (byte* start = buffer)
            {
                nint read;
                while ((read = Libc.Read(_inotify, start, (nuint)buffer.Length)) > 0)
                {
                    relevant |= AnyRelevant(buffer.AsSpan(0, (int)read));
                }
            }

            if (relevant)
            {
                Interlocked.Increment(ref s_wakes);
                _changed.Set();
                _ = SecondLookAsync();
            }
        }
    }

    // struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[len]; } (name NUL-padded).
    private bool AnyRelevant(ReadOnlySpan<byte> events)
    {
        while (events.Length >= 16)
        {
            var mask = BinaryPrimitives.ReadUInt32LittleEndian(events[4..]);
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(events[12..]);
            var name = events.Slice(16, Math.Min(length, events.Length - 16));
            var end = name.IndexOf((byte)0);
            name = end >= 0 ? name[..end] : name;
            // Listings open the records kept beside for writing too (to remove dead waiters' litter), so a close of
            // one of those is the watcher's own; their holders' deaths close the lock file as well.
            if ((mask & (Libc.IN_Q_OVERFLOW | Libc.IN_IGNORED | Libc.IN_DELETE_SELF)) != 0
                || name.SequenceEqual(_fileName)
                || (name.StartsWith(_recordPrefix) && (mask & ~Libc.IN_CLOSE_WRITE) != 0))
            {
                return true;
            }

            events = events[Math.Min(events.Length, 16 + length)..];
        }

        return false;
    }

    private async Task SecondLookAsync()
    {
        await Task.Delay(SecondLook, _timeProvider).ConfigureAwait(false);
        _changed.Set();
    }
}
