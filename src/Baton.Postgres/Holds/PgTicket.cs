using Baton.Backends;
using Baton.Postgres.Sessions;

namespace Baton.Postgres.Holds;

/// <summary>
/// A waiting acquisition: a blocking advisory-lock request on a session of its own (which holds nothing
/// else), queued by PostgreSQL in arrival order. Withdrawing cancels the statement; a grant that arrives
/// anyway is released at once, so nobody is left holding.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The cancellation source has no timer or wait handle; withdrawal may cancel it at any time, so it is never disposed.")]
internal sealed class PgTicket : AcquisitionTicket
{
    private const int Waiting = 0;
    private const int GrantedState = 1;
    private const int Withdrawn = 2;
    private const int Failed = 3;

    private readonly PostgresBackend _backend;
    private readonly AcquisitionRequest _request;
    private readonly PgName _name;
    private readonly int _nameKey;
    // Completed inline: the grant reaches the waiting caller without a thread-pool hop (part of every handoff). It is
    // completed with no lock held and after the waiting slot is given back.
    private readonly TaskCompletionSource<LockGrant> _granted = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly Lock _gate = new();
    private int _state;

    public PgTicket(PostgresBackend backend, AcquisitionRequest request, PgName name, int nameKey)
    {
        _backend = backend;
        _request = request;
        _name = name;
        _nameKey = nameKey;
    }

    public override Task<LockGrant> Granted => _granted.Task;

    public void Start() => _ = RunAsync();

    public override ValueTask<bool> WithdrawAsync()
    {
        lock (_gate)
        {
            if (_state == GrantedState)
            {
                return new(false);
            }

            if (_state == Waiting)
            {
                _state = Withdrawn;
            }
        }

        CancelStatement();
        _granted.TrySetCanceled();
        return new(true);
    }

    /// <summary>Ends the wait with an error (the coordinator is being disposed).</summary>
    public void Fail(Exception error)
    {
        lock (_gate)
        {
            if (_state != Waiting)
            {
                return;
            }

            _state = Failed;
        }

        CancelStatement();
        _granted.TrySetException(error);
    }

    private async Task RunAsync()
    {
        PgSession? session = null;
        var slot = false;
        try
        {
            await _backend.WaitingSessions.WaitAsync(_cancel.Token).ConfigureAwait(false);
            slot = true;
            session = await _backend.TakeWaitingSessionAsync(_nameKey, _cancel.Token).ConfigureAwait(false);
            var result = await _backend.WaitOnSessionAsync(session, _request, _name, _cancel.Token).ConfigureAwait(false);
            if (result.OtherCount is { } other)
            {
                _backend.ReturnSession(session, _nameKey);
                session = null;
                End(PostgresBackend.CountMismatch(_name, other, _request.MaxCount));
                return;
            }

            var grant = _backend.AdoptGrant(session, _request, _name, _nameKey, result);
            session = null;
            if (!result.Waited)
            {
                _name.Contended = false;
            }

            _backend.WaitingSessions.Release();
            slot = false;
            bool keep;
            lock (_gate)
            {
                keep = _state == Waiting;
                if (keep)
                {
                    _state = GrantedState;
                }
            }

            if (keep)
            {
                _granted.TrySetResult(grant);
            }
            else
            {
                await grant.ReleaseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            if (session is not null)
            {
                await _backend.CleanUpWaitingSessionAsync(session, _nameKey).ConfigureAwait(false);
            }

            End(_backend.IsDisposed ? new ObjectDisposedException(nameof(Coordinator), "The coordinator was disposed while waiting.") : e);
        }
        finally
        {
            if (slot)
            {
                _backend.WaitingSessions.Release();
            }
        }
    }

    private void End(Exception error)
    {
        lock (_gate)
        {
            if (_state != Waiting)
            {
                return;
            }

            _state = Failed;
        }

        _granted.TrySetException(error);
    }

    /// <summary>
    /// Cancels the waiting statement without waiting for Npgsql: its cancellation connects to the server before it
    /// returns, and on a network gone silent that takes the connect timeout, which the caller's answer must not wait for.
    /// </summary>
    private void CancelStatement() => _ = _cancel.CancelAsync();
}
