using Baton.Backends;
using Baton.Files.Native;
using Baton.Files.Presence;

namespace Baton.Files;

/// <summary>A queued acquisition: its waiting record is published just before its thread blocks in the kernel's queue.</summary>
internal sealed class FileTicket(FileBackend backend, FileLockTarget target, AcquisitionRequest request) : ThreadTicket
{
    public string Name => target.Name;

    protected override LockGrant? Wait(WaitingThread thread)
    {
        PresenceRecord? record = null;
        try
        {
            var held = LockFile.Acquire(
                backend.Directory,
                backend.Options,
                target,
                request.Mode,
                request.MaxCount,
                thread,
                () => record = PresenceRecord.Create(backend.Directory, target, backend.NewRecord(target, request, RecordState.Waiting, backend.Counter.Next())));
            if (held is null)
            {
                return null;
            }

            FileGrant grant;
            try
            {
                grant = backend.Grant(target, request, held, record!);
            }
            catch
            {
                LockFile.Release(backend.Directory, backend.Options, target, held);
                throw;
            }

            record = null; // The grant owns it now.
            if (thread.TryCommit())
            {
                return grant;
            }

            // Withdrawn just as the lock arrived: give it straight back.
            grant.ReleaseAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }
        finally
        {
            record?.Delete();
        }
    }

    protected override void OnFinished() => backend.Forget(this);
}
