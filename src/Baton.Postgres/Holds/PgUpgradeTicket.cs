using Baton.Backends;

namespace Baton.Postgres.Holds;

/// <summary>
/// An upgrade that waits: the exclusive request on the session that holds the shared lock (PostgreSQL puts
/// it ahead of queued writers, since it conflicts with their requests through the shared lock it holds).
/// Withdrawing cancels it and keeps the shared hold.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The cancellation source has no timer or wait handle; withdrawal may cancel it at any time, so it is never disposed.")]
internal sealed class PgUpgradeTicket : AcquisitionTicket
{
    private readonly PostgresBackend _backend;
    private readonly PgGrant _grant;
    private readonly int _upgradeKey;
    private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancel = new();
    private readonly Lock _gate = new();
    private int _state;

    public PgUpgradeTicket(PostgresBackend backend, PgGrant grant, int upgradeKey)
    {
        _backend = backend;
        _grant = grant;
        _upgradeKey = upgradeKey;
    }

    public override Task<LockGrant> Granted => _granted.Task;

    /// <summary>Completes when the statement is over and the session is free again.</summary>
    public Task Finished => _finished.Task;

    public void Start() => _ = RunAsync();

    public override async ValueTask<bool> WithdrawAsync()
    {
        lock (_gate)
        {
            if (_state == 1)
            {
                return false;
            }

            _state = 2;
        }

        // Waits for the cancelled statement and its clean-up (a round trip or two), so no later request on the
        // session can meet a stale clean-up that would drop the locks it takes.
        await _cancel.CancelAsync().ConfigureAwait(false);
        await Finished.ConfigureAwait(false);
        _granted.TrySetCanceled();
        return true;
    }

    /// <summary>Ends the wait with an error at once (the coordinator is being disposed).</summary>
    public void Fail(Exception error)
    {
        lock (_gate)
        {
            if (_state != 0)
            {
                return;
            }

            _state = 3;
        }

        CancelStatement();
        _granted.TrySetException(error);
    }

    private async Task RunAsync()
    {
        try
        {
            var token = await _backend.RunAsync(
                _grant.Session, (c, ct) => _backend.Statements.FinishUpgradeAsync(c, _grant.Key, _upgradeKey, _grant.FencingToken, ct), _cancel.Token, waits: true)
                .ConfigureAwait(false) ?? throw PgGrant.BrokenWhileUpgrading(_grant.Name);
            bool keep;
            lock (_gate)
            {
                keep = _state == 0;
                if (keep)
                {
                    _state = 1;
                }
            }

            if (keep)
            {
                _grant.CompleteUpgrade(token);
                _granted.TrySetResult(_grant);
                return;
            }

            // Withdrawn as the grant arrived: back to the shared hold the caller kept.
            _grant.CompleteUpgrade(token);
            await _grant.DowngradeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (!_grant.Session.IsBroken)
            {
                try
                {
                    await _backend.RunAsync(
                        _grant.Session, async (c, ct) =>
                        {
                            await _backend.Statements.AbortUpgradeAsync(c, _grant.Key, _upgradeKey, ct).ConfigureAwait(false);
                            return true;
                        }, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception cleanup) when (cleanup is not OutOfMemoryException)
                {
                    // The session broke: the grant is lost and the backend says so.
                }
            }

            bool withdrawn;
            lock (_gate)
            {
                withdrawn = _state == 2;
                if (_state == 0)
                {
                    _state = 3;
                }
            }

            if (withdrawn)
            {
                _granted.TrySetCanceled();
            }
            else
            {
                _granted.TrySetException(e);
            }
        }
        finally
        {
            _grant.EndUpgrade(this);
            _finished.TrySetResult();
        }
    }

    /// <summary>
    /// Cancels the waiting statement without waiting for Npgsql: its cancellation connects to the server before it
    /// returns, and on a network gone silent that takes the connect timeout, which the caller's answer must not wait for.
    /// </summary>
    private void CancelStatement() => _ = _cancel.CancelAsync();
}
