using System.Security.Cryptography;
using System.Text;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Guard;

/// <summary>
/// The second lock of every hold in the layouts that delete or keep one file per name: a byte of <c>.guard</c>, a
/// file of the lock directory that Baton never deletes, at an offset drawn from the name's hash. A lock file deleted
/// from outside while held (an <c>rm</c>, a tmp cleaner) lets a newcomer create the name afresh and lock that new
/// file; its guard byte, still held by the holder of the deleted file, keeps it waiting until that hold ends.
/// Without a fault the guard byte is always free once the name's own lock is taken, so it costs two <c>fcntl</c>s
/// a cycle and never a wait. Two names whose offsets collide (one chance in 2^42 per pair) would only wait for each other, never share.
/// </summary>
/// <remarks>
/// Locks belong to open file descriptions, and one description's locks never conflict with each other: two holds of
/// one name in this process (two readers, two handles) must use two descriptions. The guard keeps a few, and gives
/// each hold one that does not hold its byte yet.
/// </remarks>
internal sealed class NameGuard : IDisposable
{
    /// <summary>The guard file's name: it starts with a dot, which escaped names never do, and <c>baton clean</c> leaves it.</summary>
    public const string FileName = ".guard";

    /// <summary>A name's bytes: one per semaphore slot (a million at most) above its base.</summary>
    private const int StrideBits = 20;

    private readonly FileLockDirectory _directory;
    private readonly Lock _gate = new();
    private readonly List<GuardDescriptor> _descriptors = [];
    private bool _disposed;

    public NameGuard(FileLockDirectory directory) => _directory = directory;

    /// <summary>Where a name's bytes start in the guard file: below 2^62, a multiple of 2^20.</summary>
    public static long BaseOf(LockKind kind, string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(FileLockTarget.KindLetter(kind) + ":" + name), hash);
        return (long)(BitConverter.ToUInt64(hash) >> (64 - 62 + StrideBits)) << StrideBits;
    }

    /// <summary>Takes the byte of a hold without waiting; null when another hold of the name has it.</summary>
    public GuardHold? TryTake(FileLockTarget target, int slot, LockMode mode)
    {
        var (descriptor, offset) = Reserve(target, slot);
        if (FileLocks.TryLock(descriptor.Fd, offset, 1, TypeOf(mode)))
        {
            return new GuardHold(this, descriptor, offset);
        }

        Unreserve(descriptor, offset);
        return null;
    }

    /// <summary>Takes the byte of a hold, waiting on <paramref name="waiting"/> when it is held; null when the wait was stopped.</summary>
    public GuardHold? Take(FileLockTarget target, int slot, LockMode mode, WaitingThread waiting)
    {
        if (TryTake(target, slot, mode) is { } taken)
        {
            return taken;
        }

        var (descriptor, offset) = Reserve(target, slot);
        var type = TypeOf(mode);
        try
        {
            if (!waiting.Block(() => FileLocks.LockWait(descriptor.Fd, offset, 1, type), out var result, out var errno))
            {
                Unreserve(descriptor, offset);
                return null;
            }

            return result == 0 ? new GuardHold(this, descriptor, offset) : throw Libc.Error("fcntl(F_OFD_SETLKW) on the guard", errno);
        }
        catch
        {
            Unreserve(descriptor, offset);
            throw;
        }
    }

    /// <summary>Closes the guard's descriptions, dropping every byte still held (the coordinator's disposal).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var descriptor in _descriptors)
            {
                descriptor.Fd.Dispose();
            }

            _descriptors.Clear();
        }
    }

    internal static short TypeOf(LockMode mode) => mode == LockMode.Shared ? Libc.F_RDLCK : Libc.F_WRLCK;

    /// <summary>Gives the byte back to its description's pool once it is unlocked.</summary>
    internal void Unreserve(GuardDescriptor descriptor, long offset)
    {
        lock (_gate)
        {
            descriptor.Offsets.Remove(offset);
        }
    }

    /// <summary>A description that does not hold the byte yet (a new one when all do), with the byte marked as its.</summary>
    private (GuardDescriptor Descriptor, long Offset) Reserve(FileLockTarget target, int slot)
    {
        var offset = target.GuardBase + Math.Max(slot, 0);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(Coordinator));
            foreach (var descriptor in _descriptors)
            {
                if (descriptor.Offsets.Add(offset))
                {
                    return (descriptor, offset);
                }
            }

            var opened = new GuardDescriptor(Open());
            opened.Offsets.Add(offset);
            _descriptors.Add(opened);
            return (opened, offset);
        }
    }

    /// <summary>Opens (or creates) the guard file as a lock file is opened: never through a link, a regular file only.</summary>
    private SafeFileHandle Open()
    {
        var target = new FileLockTarget(LockKind.Lock, FileName, FileName, 0, string.Empty, useFlock: false);
        var fd = LockFile.Open(_directory, target);
        try
        {
            LockFile.EnsurePlainFile(_directory, target, fd);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }
}

/// <summary>One open description of the guard file, and the bytes holds of this process have through it.</summary>
internal sealed class GuardDescriptor(SafeFileHandle fd)
{
    public SafeFileHandle Fd { get; } = fd;

    /// <summary>Guarded by the guard's lock.</summary>
    public HashSet<long> Offsets { get; } = [];
}
