namespace Baton.Files.Native;

/// <summary>
/// The dedicated threads that waits block on, kept for a while once their wait is over. A handoff runs
/// on the waiter's thread right after the kernel grants the lock; on a thread that has run that path
/// before, nothing is cold (its stack pages, its thread-local caches, its first allocation context), which
/// halves the handoff, and a contended name does not create a thread per queued acquisition. At most
/// <see cref="MaxIdle"/> idle threads are kept, each for <see cref="IdleTimeout"/>, blocked (no CPU).
/// </summary>
internal static class WaitingWorkers
{
    public const int MaxIdle = 8;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private static readonly Lock Gate = new();
    private static readonly List<Worker> Idle = [];

    /// <summary>Runs the work on an idle worker, or on a new one.</summary>
    public static void Run(Action work)
    {
        Worker? worker = null;
        lock (Gate)
        {
            if (Idle.Count > 0)
            {
                worker = Idle[^1];
                Idle.RemoveAt(Idle.Count - 1);
            }
        }

        if (worker is null)
        {
            worker = new Worker();
            worker.Assign(work);

            // The default stack size: the acquirer's continuation runs on this thread once the lock is granted.
            new Thread(worker.Loop) { IsBackground = true, Name = "Baton file lock waiter" }.Start();
        }
        else
        {
            worker.Assign(work);
        }
    }

    private sealed class Worker
    {
        private readonly object _sync = new();
        private Action? _work;

        public void Assign(Action work)
        {
            lock (_sync)
            {
                _work = work;
                Monitor.Pulse(_sync);
            }
        }

        public void Loop()
        {
            while (true)
            {
                Action work;
                lock (_sync)
                {
                    while (_work is null)
                    {
                        if (!Monitor.Wait(_sync, IdleTimeout))
                        {
                            lock (Gate)
                            {
                                if (Idle.Remove(this))
                                {
                                    return; // Idle too long: the thread ends.
                                }
                            }

                            // Taken off the idle list just now: its work is on the way.
                        }
                    }

                    work = _work;
                    _work = null;
                }

                work();
                lock (Gate)
                {
                    if (Idle.Count >= MaxIdle)
                    {
                        return;
                    }

                    Idle.Add(this);
                }
            }
        }
    }
}
