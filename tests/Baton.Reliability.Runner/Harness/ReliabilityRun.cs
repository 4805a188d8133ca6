using System.Diagnostics;
using System.Globalization;
using Baton.Reliability.Checking;
using Baton.Reliability.History;
using Baton.Reliability.Servers;
using Baton.Reliability.Workload;

namespace Baton.Reliability.Harness;

/// <summary>
/// One run: N worker processes (tasks for memory://) × M iterations on one lock name, a fault injected meanwhile,
/// then the checker over the shared history and the counter.
/// </summary>
public static class ReliabilityRun
{
    /// <summary>Runs <paramref name="spec"/> and checks it.</summary>
    /// <exception cref="ArgumentException">The fault does not apply to the backend (say, a restart of memory://).</exception>
    public static async Task<RunResult> ExecuteAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var elapsed = Stopwatch.StartNew();
        var directory = Directory.CreateTempSubdirectory("baton-reliability-").FullName;
        var historyPath = Path.Combine(directory, "history.log");
        var counterPath = Path.Combine(directory, "counter");
        var lockDirectory = Path.Combine(directory, "locks");
        Directory.CreateDirectory(lockDirectory);
        var name = $"reliability-{spec.Seed}-{Guid.NewGuid():N}";
        var injected = 0;
        PrivateServer? server = null;
        PrivateCluster? cluster = null;
        try
        {
            server = spec.Fault == FaultKind.Restart ? await PrivateServer.StartAsync(spec.Backend) : null;
            cluster = spec.Fault is FaultKind.LeaderKill or FaultKind.ClusterCrash ? await PrivateCluster.StartAsync(spec.Backend) : null;
            var servers = new PrivateServers(server, cluster);
            if (spec.Scheme == "memory")
            {
                await RunInProcessAsync(spec, LockSpec(spec, servers, lockDirectory, 0), name, historyPath, counterPath, cancellationToken);
            }
            else
            {
                injected = await RunProcessesAsync(spec, worker => LockSpec(spec, servers, lockDirectory, worker), name, historyPath, counterPath, servers, cancellationToken);
            }
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }

        long final;
        using (var counter = CounterResource.Open(counterPath, spec.Fencing))
        {
            final = counter.Value;
        }

        var report = Checker.Check(HistoryLog.ReadAll(historyPath), final);
        string? kept = directory;
        if (report.Violations == 0 || spec.Backend is "none" or "naive" || !spec.Fencing)
        {
            Directory.Delete(directory, recursive: true);
            kept = null;
        }

        return new RunResult(spec, report, elapsed.Elapsed, injected, kept);
    }

    private static void Validate(RunSpec spec)
    {
        if (spec.Processes < 1 || spec.Iterations < 1 || spec.FaultCount < 0)
        {
            throw new ArgumentException($"A run needs at least one process and one iteration (got {spec.Processes} × {spec.Iterations}, {spec.FaultCount} faults).", nameof(spec));
        }

        var leased = spec.Scheme is "redis" or "etcd" or "zookeeper";
        var problem = (spec.Fault, spec.Scheme) switch
        {
            (not FaultKind.None, "memory") => "memory:// runs in one process: no process-level fault applies",
            (FaultKind.Stop, _) when !leased => "a holder paused past its lease needs a lease backend (redis, etcd, zookeeper); elsewhere a paused holder simply keeps the lock",
            (FaultKind.Restart, not ("redis" or "postgres" or "postgresql" or "etcd" or "zookeeper")) => "a server restart needs a redis, postgres, etcd or zookeeper backend",
            (FaultKind.LeaderKill, not ("etcd" or "zookeeper")) => "a leader kill needs a backend that runs as a cluster with a leader: etcd or zookeeper",
            (FaultKind.ClusterCrash, not ("etcd" or "zookeeper")) => "a cluster crash needs a backend that runs as a cluster: etcd or zookeeper",
            (FaultKind.Delete, not ("file" or "naive")) => "lock-file deletion applies to the file backend and the naive control arm",
            (FaultKind.Clean, not "file") => "cleaning applies to the file backend",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"--fault {FaultNames.Of(spec.Fault)} with '{spec.Scheme}': {problem}.", nameof(spec));
        }
    }

    /// <summary>
    /// The <paramref name="worker"/>-th worker's --lock: none, naive:PATH, or the backend URL (a private server's, a
    /// private cluster's with its members in this worker's order, or a file URL with the run's directory).
    /// </summary>
    private static string LockSpec(RunSpec spec, PrivateServers servers, string lockDirectory, int worker)
    {
        var query = spec.Backend.Contains('?', StringComparison.Ordinal) ? spec.Backend[spec.Backend.IndexOf('?', StringComparison.Ordinal)..] : string.Empty;
        var withoutQuery = spec.Backend[..(spec.Backend.Length - query.Length)];
        return spec.Backend switch
        {
            "none" => "none",
            "naive" => "naive:" + Path.Combine(lockDirectory, "naive.lock"),
            _ when servers.Server is { } server => server.Url + query,
            _ when servers.Cluster is { } cluster => cluster.UrlFor(worker) + query,
            _ when spec.Scheme == "file" && withoutQuery.Length <= "file://".Length => "file://" + lockDirectory + query,
            _ => spec.Backend,
        };
    }

    private static async Task RunInProcessAsync(RunSpec spec, string lockSpec, string name, string historyPath, string counterPath, CancellationToken cancellationToken)
    {
        var settings = Settings(spec);
        await using var coordinator = await Coordinator.ConnectAsync(lockSpec, cancellationToken: cancellationToken);
        using var history = HistoryLog.Open(historyPath);
        using var counter = CounterResource.Open(counterPath, spec.Fencing);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(spec.TimeLimit);

        // One coordinator, one lock object per task: tasks of one process are holders like processes are.
        await Task.WhenAll(Enumerable.Range(1, spec.Processes).Select(holder => Task.Run(
            () => new Worker(settings, new BatonExclusion(coordinator, name, ownsCoordinator: false), counter, history, holder).RunAsync(limit.Token),
            limit.Token)));
    }

    private static async Task<int> RunProcessesAsync(
        RunSpec spec, Func<int, string> lockSpecOf, string name, string historyPath, string counterPath, PrivateServers servers, CancellationToken cancellationToken)
    {
        var settings = Settings(spec);
        string[] Arguments(int worker) =>
        [
            "--lock", lockSpecOf(worker), "--name", name, "--history", historyPath, "--counter", counterPath, "--fencing", spec.Fencing ? "on" : "off",
            "--iterations", spec.Iterations.ToString(CultureInfo.InvariantCulture),
            "--timeout-ms", ((int)settings.AcquireTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "--hold-ms", ((int)settings.Hold.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ];
        await using var workers = new WorkerPool(Arguments, Path.Combine(Path.GetDirectoryName(historyPath)!, "workers.err"));
        using var history = HistoryLog.Open(historyPath);
        using var follower = new HistoryFollower(historyPath);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(spec.TimeLimit);
        var started = await Task.WhenAll(Enumerable.Range(0, spec.Processes).Select(_ => workers.StartAsync(limit.Token)));
        foreach (var worker in started)
        {
            await worker.GoAsync();
        }

        var injector = new FaultInjector(spec, history, follower, workers, servers, lockSpecOf(0));
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
        var faults = injector.RunAsync(stopFaults.Token);
        var finished = workers.AllExitedAsync();
        if (await Task.WhenAny(finished, Task.Delay(Timeout.InfiniteTimeSpan, limit.Token)) != finished)
        {
            // Out of time: end what still runs, recorded as kills so that its open sections end definitely.
            foreach (var worker in workers.Alive)
            {
                history.Append(new Record(RecordKind.Kill, worker.Pid, -1, Record.NoToken, MonotonicClock.Nanoseconds));
                await worker.KillAsync();
            }
        }

        await stopFaults.CancelAsync();
        await faults;
        cancellationToken.ThrowIfCancellationRequested();
        return injector.Injected;
    }

    private static WorkerSettings Settings(RunSpec spec) => new() { Iterations = spec.Iterations, AcquireTimeout = spec.AcquireTimeout, Hold = spec.Hold };
}
