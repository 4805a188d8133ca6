using Baton.Backends;
using Baton.Files.Native;
using Baton.Files.Presence;

namespace Baton.Files;

/// <summary>
/// A reader waiting to become the writer: the same open file asks the kernel for the exclusive lock, which
/// keeps the shared one until it is granted. Listed as an exclusive waiter of the same member.
/// </summary>
internal sealed class FileUpgradeTicket(FileGrant grant, bool holdsGate) : ThreadTicket
{
    protected override LockGrant? Wait(WaitingThread thread)
    {
        var backend = grant.Backend;
        var target = grant.Target;
        HoldRecord? record = null;
        var finished = false;
        try
        {
            var request = new AcquisitionRequest(target.Name, target.Kind, LockMode.Exclusive, 1, Wait: true, grant.Record.Data.Member);
            record = backend.PublishWaiting(grant.Held.Fd, target, request, grant.Record);
            if (!thread.Block(() => FileLocks.LockWait(grant.Held.Fd, target.Main, 1, Libc.F_WRLCK), out var result, out var errno))
            {
                // Still shared, unless the main byte was converted before a wait for the guard (then it goes back).
                _ = FileLocks.TryLock(grant.Held.Fd, target.Main, 1, Libc.F_RDLCK);
                return null;
            }

            if (result != 0)
            {
                throw Libc.Error("fcntl(F_OFD_SETLKW) upgrading", errno);
            }

            // Free at once unless a reader of a file of the name deleted from outside still shares the guard byte.
            if (grant.Held.Guard is { } guard && !guard.TryConvert(LockMode.Exclusive))
            {
                if (!thread.Block(() => guard.ConvertWait(LockMode.Exclusive), out result, out errno))
                {
                    _ = FileLocks.TryLock(grant.Held.Fd, target.Main, 1, Libc.F_RDLCK);
                    return null;
                }

                if (result != 0)
                {
                    _ = FileLocks.TryLock(grant.Held.Fd, target.Main, 1, Libc.F_RDLCK);
                    throw Libc.Error("fcntl(F_OFD_SETLKW) upgrading the guard", errno);
                }
            }

            record.Discard();
            record = null;
            if (!thread.TryCommit())
            {
                // Withdrawn just as the kernel granted it: back to the shared hold the caller keeps.
                _ = FileLocks.TryLock(grant.Held.Fd, target.Main, 1, Libc.F_RDLCK);
                _ = grant.Held.Guard?.TryConvert(LockMode.Shared);
                return null;
            }

            finished = grant.TryFinishUpgrade(this, holdsGate);
            return finished ? grant : null;
        }
        finally
        {
            record?.Discard();
            if (!finished)
            {
                grant.UpgradeEnded(this, holdsGate);
            }
        }
    }
}
