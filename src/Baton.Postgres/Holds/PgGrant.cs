using Baton.Backends;
using Baton.Postgres.Sessions;

namespace Baton.Postgres.Holds;

/// <summary>One hold: an advisory lock on one session, and its row in the holds table.</summary>
internal sealed class PgGrant : LockGrant
{
    private readonly PostgresBackend _backend;
    private readonly PgName _name;
    private Lock? _upgradeGate;
    private volatile LockMode _mode;
    private PgUpgradeTicket? _upgrade;
    private int _ended;

    public PgGrant(PostgresBackend backend, PgSession session, PgName name, int key, int nameKey, LockMode mode, long token, TakeoverNotice? takeover)
        : base(token, takeover)
    {
        _backend = backend;
        Session = session;
        _name = name;
        Key = key;
        NameKey = nameKey;
        _mode = mode;
    }

    public override LockMode Mode => _mode;

    /// <summary>Guards the upgrade state; made on first use, since most holds never upgrade.</summary>
    private Lock Gate => Volatile.Read(ref _upgradeGate) ?? Interlocked.CompareExchange(ref _upgradeGate, new Lock(), null) ?? _upgradeGate!;

    public PgSession Session { get; }

    /// <summary>The name held.</summary>
    public string Name => _name.Name;

    /// <summary>The advisory key held: the lock's, or the semaphore slot's.</summary>
    public int Key { get; }

    /// <summary>The name's key (a lock's own, a semaphore's gate): what the session must not request twice.</summary>
    public int NameKey { get; }

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    public override ValueTask ReleaseAsync()
    {
        if (!TryEnd())
        {
            return default;
        }

        // A reference read is atomic; writes of the upgrade happen under the gate.
        var upgrade = Volatile.Read(ref _upgrade);
        return upgrade is null ? _backend.ReleaseAsync(this) : ReleaseAfterUpgradeAsync(upgrade);
    }

    /// <summary>Claims the end of this hold for a release or a break; only the first caller gets true.</summary>
    internal bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    /// <summary>Stops an upgrade in flight (the statement is cancelled and cleaned up) and waits until the session is free.</summary>
    internal async Task StopUpgradeAsync(Exception error)
    {
        var upgrade = Volatile.Read(ref _upgrade);
        if (upgrade is not null)
        {
            upgrade.Fail(error);
            await upgrade.Finished.ConfigureAwait(false);
        }
    }

    public override async ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsEnded, this);
        if (_mode != LockMode.Shared)
        {
            return AcquisitionStart.Granted(this);
        }

        PgUpgradeTicket? previous;
        lock (Gate)
        {
            previous = _upgrade;
        }

        if (previous is not null)
        {
            await previous.Finished.ConfigureAwait(false);
        }

        var upgradeKey = await _backend.GetUpgradeKeyAsync(_name, cancellationToken).ConfigureAwait(false);
        var (outcome, token) = await _backend.RunAsync(
            Session, (c, ct) => _backend.Statements.TryUpgradeAsync(c, Key, upgradeKey, wait, FencingToken, ct), cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case 'g':
                CompleteUpgrade(token);
                return AcquisitionStart.Granted(this);
            case 'n':
                return AcquisitionStart.Denied;
            case 'b':
                throw BrokenWhileUpgrading(_name.Name);
            case 'd':
                throw new DeadlockException(
                    $"Two readers of '{_name.Name}' tried to upgrade at once; each would wait for the other to leave. Release the read lock and take the write lock instead, or let one reader upgrade at a time.");
            default:
                var ticket = new PgUpgradeTicket(_backend, this, upgradeKey);
                lock (Gate)
                {
                    _upgrade = ticket;
                }

                ticket.Start();
                return AcquisitionStart.Queued(ticket);
        }
    }

    public override async ValueTask DowngradeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsEnded, this);
        if (_mode != LockMode.Exclusive)
        {
            return;
        }

        await _backend.RunAsync(Session, async (c, ct) =>
        {
            await _backend.Statements.DowngradeAsync(c, Key, FencingToken, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _mode = LockMode.Shared;
    }

    internal void CompleteUpgrade(long token)
    {
        lock (Gate)
        {
            FencingToken = token;
            _mode = LockMode.Exclusive;
            _upgrade = null;
        }
    }

    internal void EndUpgrade(PgUpgradeTicket ticket)
    {
        lock (Gate)
        {
            if (ReferenceEquals(_upgrade, ticket))
            {
                _upgrade = null;
            }
        }
    }

    /// <summary>Stops a waiting upgrade at once (the coordinator is being disposed).</summary>
    internal void FailUpgrade(Exception error)
    {
        PgUpgradeTicket? upgrade;
        lock (Gate)
        {
            upgrade = _upgrade;
        }

        upgrade?.Fail(error);
    }

    private async ValueTask ReleaseAfterUpgradeAsync(PgUpgradeTicket upgrade)
    {
        await upgrade.WithdrawAsync().ConfigureAwait(false);
        await upgrade.Finished.ConfigureAwait(false);
        await _backend.ReleaseAsync(this).ConfigureAwait(false);
    }

    /// <summary>The error of an upgrade of a hold that an operator broke: it is not upgraded, and is let go.</summary>
    internal static InvalidOperationException BrokenWhileUpgrading(string name) =>
        new($"'{name}' was broken by an operator while this hold waited to upgrade; the hold is lost.");

    /// <summary>Fires the lost token (called by the backend outside its locks).</summary>
    internal void Lose(LossReason reason) => SignalLost(reason);
}
