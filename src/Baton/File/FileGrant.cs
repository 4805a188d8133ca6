using Baton.Backends;
using Baton.Files.Native;
using Baton.Files.Presence;

namespace Baton.Files;

/// <summary>
/// One hold of a name: its open lock file and its presence record. Upgrade converts the main byte's
/// shared lock to exclusive on the same open file (the kernel keeps the shared lock while it waits);
/// downgrade converts it back in place, which lets the readers queued at the gate in.
/// </summary>
internal sealed class FileGrant : LockGrant
{
    private readonly FileBackend _backend;
    private readonly FileLockTarget _target;
    private readonly HeldFile _held;
    private HoldRecord _record;
    private readonly Lock _gate = new();
    private volatile LockMode _mode;
    private FileUpgradeTicket? _upgrade;
    private bool _ended;

    public FileGrant(FileBackend backend, FileLockTarget target, HeldFile held, HoldRecord record, LockMode mode, long token, TakeoverNotice? takeover)
        : base(token, takeover)
    {
        _backend = backend;
        _target = target;
        _held = held;
        _record = record;
        _mode = mode;
    }

    public override LockMode Mode => _mode;

    public FileBackend Backend => _backend;

    public FileLockTarget Target => _target;

    public HeldFile Held => _held;

    public HoldRecord Record => _record;

    public override async ValueTask ReleaseAsync()
    {
        if (!await TryEndAsync().ConfigureAwait(false))
        {
            return;
        }

        _backend.Forget(this);

        // The record is removed (or the file deleted) before the lock goes: the next holder must not find this hold.
        if (!LockFile.Release(_backend.Directory, _backend.Options, _target, _held, _record))
        {
            // Someone else deleted or replaced the lock file during the hold (an outside cleaner, rm): another process
            // may have held the name meanwhile, which the holder must learn, as it would of an operator's break.
            SignalLost(Baton.LossReason.Broken);
        }
    }

    public override ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfEnded();
            if (_mode != LockMode.Shared)
            {
                return new(AcquisitionStart.Granted(this));
            }

            if (_target.UsesFlock)
            {
                throw new NotSupportedException(
                    $"'{_target.Name}' uses api=flock, and flock(2) drops a shared lock before converting it, so an upgrade could lose the read lock. Release it and take the write lock, or use the default api.");
            }

            if (!FileLocks.TryLock(_held.Fd, _target.Upgrade, 1, Libc.F_WRLCK))
            {
                throw new DeadlockException(
                    $"Two readers of '{_target.Name}' tried to upgrade at once; each would wait for the other to leave. Release the read lock and take the write lock instead, or let one reader upgrade at a time.");
            }

            // Holding the gate while upgrading keeps new readers out (they would otherwise starve the upgrade).
            // When a queued writer holds it, new readers are already kept out.
            var holdsGate = FileLocks.TryLock(_held.Fd, _target.Gate, 1, Libc.F_WRLCK);
            if (FileLocks.TryLock(_held.Fd, _target.Main, 1, Libc.F_WRLCK))
            {
                if (_held.Guard is null || _held.Guard.TryConvert(LockMode.Exclusive))
                {
                    CompleteUpgrade(holdsGate);
                    return new(AcquisitionStart.Granted(this));
                }

                // A reader of a file deleted from outside still shares the guard byte: the queued upgrade waits for it
                // (its wait for the main byte returns at once); a try gives the main byte back.
                if (!wait)
                {
                    _ = FileLocks.TryLock(_held.Fd, _target.Main, 1, Libc.F_RDLCK);
                }
            }

            if (!wait)
            {
                EndUpgradeAttempt(holdsGate);
                return new(AcquisitionStart.Denied);
            }

            _upgrade = new FileUpgradeTicket(this, holdsGate);
            _upgrade.Start();
            return new(AcquisitionStart.Queued(_upgrade));
        }
    }

    public override ValueTask DowngradeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfEnded();
            if (_mode != LockMode.Exclusive)
            {
                return default;
            }

            // The record first: one that lived in the holder region moves to a slot of its own, since the
            // region's liveness is the exclusive lock given up here.
            _record = _record.Downgrade(_record.Data with { Mode = LockMode.Shared });

            // A conversion on the same open file: never released in between, never blocks.
            var converted = _target.UsesFlock
                ? FileLocks.TryFlock(_held.Fd, Libc.LOCK_SH)
                : FileLocks.TryLock(_held.Fd, _target.Main, 1, Libc.F_RDLCK);
            if (!converted || !(_held.Guard?.TryConvert(LockMode.Shared) ?? true))
            {
                throw new IOException($"The kernel refused to downgrade '{_target.Name}' in place.");
            }

            _mode = LockMode.Shared;
            return default;
        }
    }

    /// <summary>Under the gate, with the main byte now exclusive: a new token, the new mode, the record.</summary>
    public void CompleteUpgrade(bool holdsGate)
    {
        var token = _backend.Counter.Next();
        FencingToken = token;
        _mode = LockMode.Exclusive;
        _record.Update(_record.Data with { Mode = LockMode.Exclusive, Token = token });
        EndUpgradeAttempt(holdsGate);
    }

    /// <summary>Drops the upgrade and gate bytes (the main byte stays as it is).</summary>
    public void EndUpgradeAttempt(bool holdsGate)
    {
        if (_held.Fd.IsClosed)
        {
            return;
        }

        FileLocks.Unlock(_held.Fd, _target.Upgrade, 1);
        if (holdsGate)
        {
            FileLocks.Unlock(_held.Fd, _target.Gate, 1);
        }
    }

    /// <summary>Called by the upgrade ticket's thread once the kernel granted the exclusive lock; false when the upgrade was withdrawn.</summary>
    public bool TryFinishUpgrade(FileUpgradeTicket ticket, bool holdsGate)
    {
        lock (_gate)
        {
            if (_upgrade != ticket)
            {
                return false;
            }

            _upgrade = null;
            if (_ended)
            {
                return false;
            }

            CompleteUpgrade(holdsGate);
            return true;
        }
    }

    /// <summary>Called when an upgrade ends without the exclusive lock.</summary>
    public void UpgradeEnded(FileUpgradeTicket ticket, bool holdsGate)
    {
        lock (_gate)
        {
            if (_upgrade == ticket)
            {
                _upgrade = null;
            }

            if (!_ended)
            {
                EndUpgradeAttempt(holdsGate);
            }
        }
    }

    /// <summary>Ends the hold as a crash would (its coordinator was disposed): the record stays, marked abandoned; the lock file stays.</summary>
    public async ValueTask AbandonAsync(DateTimeOffset endedAt)
    {
        if (!await TryEndAsync().ConfigureAwait(false))
        {
            return;
        }

        // The record's lock goes first, so whoever gets the lock next finds the record dead.
        _record.Abandon(endedAt.UtcTicks);
        _held.Guard?.Release();
        _held.Fd.Dispose();
        SignalLost(Baton.LossReason.CoordinatorDisposed);
    }

    /// <summary>Marks the hold ended, once (false when it already was), and withdraws a pending upgrade.</summary>
    private async ValueTask<bool> TryEndAsync()
    {
        FileUpgradeTicket? upgrade;
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            _ended = true;
            upgrade = _upgrade;
        }

        if (upgrade is not null)
        {
            await upgrade.CancelAsync().ConfigureAwait(false);
        }

        return true;
    }

    private void ThrowIfEnded()
    {
        if (_ended)
        {
            throw new InvalidOperationException($"'{_target.Name}' is no longer held by this handle ({LossReason?.ToString() ?? "released"}).");
        }
    }
}
