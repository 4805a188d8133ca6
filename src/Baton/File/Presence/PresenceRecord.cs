using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Presence;

/// <summary>
/// One hold or wait, visible to every process through a small file beside the lock files:
/// <c>ESCAPED.k.PID-SEQ-RANDOM.rec</c>. Its owner keeps an exclusive lock on it while alive, so a record
/// whose lock is free belongs to a dead owner (the kernel dropped the lock): listings skip it, and the next
/// holder of the name claims it as a takeover notice. It is written under a temporary name and locked
/// before it is renamed into place, so nobody ever sees a live record unlocked. Removed on release.
/// </summary>
internal sealed class PresenceRecord : HoldRecord
{
    public const string Suffix = ".rec";

    /// <summary>The suffix of a record being written; it is renamed to <see cref="Suffix"/> once locked and complete.</summary>
    public const string TemporarySuffix = ".tmp";

    private readonly FileLockDirectory _directory;
    private readonly SafeFileHandle _fd;
    private readonly Lock _gate = new();
    private RecordData _data;
    private bool _closed;

    private PresenceRecord(FileLockDirectory directory, SafeFileHandle fd, string fileName, RecordData data)
    {
        _directory = directory;
        _fd = fd;
        FileName = fileName;
        _data = data;
    }

    public string FileName { get; }

    public override RecordData Data => _data;

    public static PresenceRecord Create(FileLockDirectory directory, FileLockTarget target, RecordData data)
    {
        // A temporary file deleted from outside before its rename (an rm of the directory's files) is written again,
        // a few times: deleting it tells nothing about the lock, and the acquisition should not fail for it.
        const int Attempts = 8;
        for (var attempt = 1; ; attempt++)
        {
            var unique = $"{target.RecordPrefix}{Environment.ProcessId}-{Random.Shared.NextInt64(long.MaxValue):x}";
            var temporary = unique + TemporarySuffix;
            var fd = Libc.OpenAt(directory.Handle, temporary, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, Convert.ToInt32("660", 8));
            if (fd < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.EEXIST)
                {
                    continue;
                }

                throw Libc.Error($"Cannot create a presence record in '{directory.Path}'");
            }

            var handle = new SafeFileHandle(fd, ownsHandle: true);
            try
            {
                if (!FileLocks.TryLock(handle, 0, FileLocks.ToEnd, Libc.F_WRLCK))
                {
                    throw new IOException($"The new presence record '{temporary}' was locked by someone else.");
                }

                Write(handle, data);
                if (Libc.RenameAt(directory.Handle, temporary, directory.Handle, unique + Suffix) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.ENOENT && attempt < Attempts)
                    {
                        handle.Dispose();
                        continue;
                    }

                    throw Libc.Error($"Cannot publish the presence record '{unique}{Suffix}'", errno);
                }

                return new PresenceRecord(directory, handle, unique + Suffix, data);
            }
            catch
            {
                _ = Libc.UnlinkAt(directory.Handle, temporary, 0);
                handle.Dispose();
                throw;
            }
        }
    }

    /// <summary>Rewrites the record in place (a new state, mode or token).</summary>
    public override void Update(RecordData data)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _data = data;
            Write(_fd, data);
        }
    }

    /// <summary>Removes the record: first the name, then the lock, so nobody finds it unlocked.</summary>
    public override void Remove()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            try
            {
                _ = Libc.UnlinkAt(_directory.Handle, FileName, 0);
            }
            catch (ObjectDisposedException)
            {
                // A release racing its coordinator's disposal, which closed the directory: the name cannot be
                // removed, so the content goes instead. An empty record is no holder's, so nobody reads it as a
                // takeover; a listing removes it as a dead waiter's litter.
                _ = Libc.Ftruncate(_fd, 0);
            }
            finally
            {
                _fd.Dispose();
            }
        }
    }

    /// <summary>Leaves the record behind as a crash would, marked abandoned, with its lock dropped.</summary>
    public override void Abandon(long endedTicks)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            try
            {
                Write(_fd, _data with { State = RecordState.Abandoned, EndedTicks = endedTicks });
            }
            finally
            {
                _fd.Dispose();
            }
        }
    }

    /// <summary>Reads a record's content; null when it does not parse (torn by a concurrent rewrite, or not a record).</summary>
    public static RecordData? Read(SafeFileHandle fd)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var buffer = new byte[64 * 1024];
            var length = RandomAccess.Read(fd, buffer, 0);
            if (RecordData.TryParse(buffer.AsSpan(0, length)) is { } data)
            {
                return data;
            }
        }

        return null;
    }

    private static void Write(SafeFileHandle fd, RecordData data)
    {
        var bytes = data.Serialize();
        RandomAccess.Write(fd, bytes, 0);
        if (Libc.Ftruncate(fd, bytes.Length) != 0)
        {
            throw Libc.Error("ftruncate(presence record)");
        }
    }
}
