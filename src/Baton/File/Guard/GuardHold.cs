using Baton.Files.Native;

namespace Baton.Files.Guard;

/// <summary>A hold's byte of the guard file (see <see cref="NameGuard"/>): converted with the hold's mode, released just before it.</summary>
internal sealed class GuardHold(NameGuard guard, GuardDescriptor descriptor, long offset)
{
    private readonly NameGuard _guard = guard;
    private readonly GuardDescriptor _descriptor = descriptor;
    private readonly long _offset = offset;
    private int _released;

    /// <summary>Converts the byte in place without waiting (a downgrade always succeeds); false when another hold conflicts.</summary>
    public bool TryConvert(LockMode mode) => !_descriptor.Fd.IsClosed && FileLocks.TryLock(_descriptor.Fd, _offset, 1, NameGuard.TypeOf(mode));

    /// <summary>The raw blocking conversion for <see cref="WaitingThread.Block"/>: the byte stays as it was while it waits.</summary>
    public int ConvertWait(LockMode mode) => FileLocks.LockWait(_descriptor.Fd, _offset, 1, NameGuard.TypeOf(mode));

    /// <summary>Unlocks the byte, once; quietly when the coordinator's disposal closed its description already.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            FileLocks.Unlock(_descriptor.Fd, _offset, 1);
        }
        catch (ObjectDisposedException)
        {
            // Closed with the coordinator: the byte went with it.
        }

        _guard.Unreserve(_descriptor, _offset);
    }
}
