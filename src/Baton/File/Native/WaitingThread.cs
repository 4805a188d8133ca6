using System.Runtime.InteropServices;

namespace Baton.Files.Native;

/// <summary>
/// A dedicated thread (not a thread-pool thread) that makes one acquisition's blocking system calls, so
/// the kernel queues the waiter and hands the lock over directly (no sleep-and-retry). Stopping it sends
/// <see cref="WakeSignal"/> to the thread until it has left the blocking call: the first signal may land
/// just before the call starts (and be lost), so it is sent again until the thread answers.
/// </summary>
internal sealed class WaitingThread
{
    private static readonly TimeSpan ResendInterval = TimeSpan.FromMilliseconds(2);

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private nuint _pthread;
    private bool _blocking;
    private bool _stopRequested;
    private bool _committed;

    private WaitingThread()
    {
    }

    /// <summary>Completes when the thread's body has returned.</summary>
    public Task Finished => _finished.Task;

    /// <summary>True once <see cref="RequestStop"/> succeeded.</summary>
    public bool StopRequested
    {
        get
        {
            lock (_gate)
            {
                return _stopRequested;
            }
        }
    }

    /// <summary>Runs the body on a dedicated thread: an idle one kept from an earlier wait, or a new one.</summary>
    public static WaitingThread Start(Action<WaitingThread> body)
    {
        var waiting = new WaitingThread();
        WaitingWorkers.Run(() => waiting.Run(body));
        return waiting;
    }

    /// <summary>
    /// Runs a blocking call, retrying it when a stray signal interrupts it. Returns false when a stop was
    /// requested before or during the call; otherwise the call's return value and errno.
    /// </summary>
    public bool Block(Func<int> call, out int result, out int errno)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_stopRequested)
                {
                    result = -1;
                    errno = Libc.EINTR;
                    return false;
                }

                _blocking = true;
            }

            result = call();
            errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            lock (_gate)
            {
                _blocking = false;
                if (result < 0 && errno == Libc.EINTR)
                {
                    if (_stopRequested)
                    {
                        return false;
                    }

                    continue;
                }
            }

            return true;
        }
    }

    /// <summary>The thread's last word: true when the outcome is kept (no stop was requested before).</summary>
    public bool TryCommit()
    {
        lock (_gate)
        {
            if (_stopRequested)
            {
                return false;
            }

            _committed = true;
            return true;
        }
    }

    /// <summary>Asks the thread to stop; false when it has already committed its outcome.</summary>
    public bool RequestStop()
    {
        lock (_gate)
        {
            if (_committed)
            {
                return false;
            }

            _stopRequested = true;
            return true;
        }
    }

    /// <summary>Interrupts the blocking call until the thread has finished (after <see cref="RequestStop"/>).</summary>
    public async Task WaitStoppedAsync()
    {
        while (!_finished.Task.IsCompleted)
        {
            lock (_gate)
            {
                // Under the gate the thread cannot leave the blocking call and exit, so its id is valid.
                if (_blocking)
                {
                    _ = Libc.PthreadKill(_pthread, WakeSignal.Number);
                }
            }

            await Task.WhenAny(_finished.Task, Task.Delay(ResendInterval)).ConfigureAwait(false);
        }
    }

    private void Run(Action<WaitingThread> body)
    {
        try
        {
            lock (_gate)
            {
                _pthread = Libc.PthreadSelf();
            }

            WakeSignal.UnblockOnThisThread();
            body(this);
        }
        finally
        {
            _finished.TrySetResult();
        }
    }
}
