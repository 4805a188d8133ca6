using Baton.Backends;
using Baton.Files.Native;

namespace Baton.Files;

/// <summary>
/// A queued acquisition whose waiting happens on a <see cref="WaitingThread"/>. The thread either commits
/// its grant or, once stopped, undoes what it did and completes <see cref="Granted"/> as cancelled (or
/// failed with the reason given to <see cref="FailAsync"/>); the decision is made under the thread's gate,
/// so a withdrawal and a grant never both win.
/// </summary>
internal abstract class ThreadTicket : AcquisitionTicket
{
    // Continuations run on the waiting thread as it completes the ticket: the acquirer resumes at once,
    // without a hop through the thread pool (the thread has nothing left to do; it completes last).
    private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.None);
    private WaitingThread? _thread;
    private Exception? _failure;

    public override Task<LockGrant> Granted => _granted.Task;

    protected WaitingThread Thread => _thread ?? throw new InvalidOperationException("The ticket has not started.");

    public void Start() => _thread = WaitingThread.Start(Run);

    public override async ValueTask<bool> WithdrawAsync()
    {
        if (!Thread.RequestStop())
        {
            return false;
        }

        await Thread.WaitStoppedAsync().ConfigureAwait(false);
        OnFinished();
        return true;
    }

    /// <summary>Stops the wait and fails the ticket with the exception (the coordinator was disposed).</summary>
    public async ValueTask FailAsync(Exception failure)
    {
        _failure = failure;
        if (Thread.RequestStop())
        {
            await Thread.WaitStoppedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Cancels the wait without a reason (the hold being upgraded was released).</summary>
    public async ValueTask CancelAsync()
    {
        if (Thread.RequestStop())
        {
            await Thread.WaitStoppedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The thread's work: returns the grant (already committed with <see cref="WaitingThread.TryCommit"/>), or null when stopped.</summary>
    protected abstract LockGrant? Wait(WaitingThread thread);

    /// <summary>Runs once the ticket is done, whichever way.</summary>
    protected virtual void OnFinished()
    {
    }

    private void Run(WaitingThread thread)
    {
        LockGrant? grant = null;
        Exception? error = null;
        try
        {
            grant = Wait(thread);
        }
        catch (Exception e)
        {
            error = thread.StopRequested && _failure is not null ? _failure : e;
        }
        finally
        {
            // Before the completion, which may run the acquirer's code inline on this thread.
            OnFinished();
        }

        if (grant is not null)
        {
            _granted.TrySetResult(grant);
        }
        else if ((error ?? _failure) is { } failure)
        {
            _granted.TrySetException(failure);
        }
        else
        {
            _granted.TrySetCanceled();
        }
    }
}
