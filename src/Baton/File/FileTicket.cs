using Baton.Backends;
using Baton.Files.Native;

namespace Baton.Files;

/// <summary>A queued acquisition: its waiting record is published just before its thread blocks in the kernel's queue.</summary>
internal sealed class FileTicket(FileBackend backend, FileLockTarget target, AcquisitionRequest request) : ThreadTicket
{
    public string Name => target.Name;

    protected override LockGrant? Wait(WaitingThread thread)
    {
        var held = LockFile.Acquire(
            backend.Directory,
            backend.Options,
            target,
            request.Mode,
            request.MaxCount,
            thread,
            fd => backend.PublishWaiting(fd, target, request),
            out var waiting);
        if (held is null)
        {
            return null;
        }

        // The grant owns the hold and the record from here (and releases them itself if it fails).
        var grant = backend.Grant(target, request, held, waiting);
        if (thread.TryCommit())
        {
            return grant;
        }

        // Withdrawn just as the lock arrived: give it straight back.
        grant.ReleaseAsync().AsTask().GetAwaiter().GetResult();
        return null;
    }

    protected override void OnFinished() => backend.Forget(this);
}
