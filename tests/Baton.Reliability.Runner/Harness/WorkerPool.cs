namespace Baton.Reliability.Harness;

/// <summary>Every worker process of a run, replacements included.</summary>
/// <param name="argumentsOf">The arguments of the n-th worker started (from 0): a cluster's workers list its members in different orders.</param>
/// <param name="errorLog">A file that collects what the workers write to stderr.</param>
internal sealed class WorkerPool(Func<int, IReadOnlyList<string>> argumentsOf, string errorLog) : IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly Lock _gate = new();
    private int _starting;
    private int _started;

    /// <summary>The pids of the workers that were told to go and still run.</summary>
    public ISet<int> AlivePids
    {
        get
        {
            lock (_gate)
            {
                return _workers.Where(w => w.Running && !w.HasExited).Select(w => w.Pid).ToHashSet();
            }
        }
    }

    /// <summary>Starts a worker and waits until it is connected; it starts its iterations on <see cref="WorkerProcess.GoAsync"/>.</summary>
    public async Task<WorkerProcess> StartAsync(CancellationToken cancellationToken)
    {
        int number;
        lock (_gate)
        {
            _starting++;
            number = _started++;
        }

        try
        {
            var worker = await WorkerProcess.StartAsync(argumentsOf(number), errorLog, cancellationToken);
            lock (_gate)
            {
                _workers.Add(worker);
            }

            return worker;
        }
        finally
        {
            lock (_gate)
            {
                _starting--;
            }
        }
    }

    public WorkerProcess Get(int pid)
    {
        lock (_gate)
        {
            return _workers.First(w => w.Pid == pid);
        }
    }

    /// <summary>Completes when every worker, including any started meanwhile, has exited.</summary>
    public async Task AllExitedAsync()
    {
        while (true)
        {
            WorkerProcess[] snapshot;
            lock (_gate)
            {
                snapshot = [.. _workers];
            }

            await Task.WhenAll(snapshot.Select(w => w.Exited));
            lock (_gate)
            {
                if (_workers.Count == snapshot.Length && _starting == 0)
                {
                    return;
                }
            }

            // A replacement is being started: it joins the list within a moment.
            await Task.Delay(10);
        }
    }

    /// <summary>The workers still running.</summary>
    public IReadOnlyList<WorkerProcess> Alive
    {
        get
        {
            lock (_gate)
            {
                return [.. _workers.Where(w => !w.HasExited)];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        WorkerProcess[] all;
        lock (_gate)
        {
            all = [.. _workers];
        }

        foreach (var worker in all)
        {
            await worker.DisposeAsync();
        }
    }
}
