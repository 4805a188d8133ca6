using System.Diagnostics;
using System.Globalization;
using Baton.Reliability.History;
using Baton.Reliability.Servers;

namespace Baton.Reliability.Harness;

/// <summary>
/// Injects one run's faults while its workers run: each kind bounded in count (kills, stops, restarts) or in time
/// (deletion, starvation: until the workers finish), with its moments drawn from the run's seed.
/// </summary>
/// <remarks>
/// The counted faults are spaced in sections begun, not in time: on a loaded machine a worker's start can take longer
/// than the whole run's work, and a run must still make every fault it was asked for.
/// </remarks>
internal sealed class FaultInjector(
    RunSpec spec, HistoryLog history, HistoryFollower follower, WorkerPool workers, PrivateServers servers, string lockSpec)
{
    /// <summary>The detail of the <see cref="RecordKind.Restart"/> record of a leader kill.</summary>
    public const string LeaderDetail = "leader";

    /// <summary>The detail of the <see cref="RecordKind.Restart"/> record of a whole cluster's crash.</summary>
    public const string ClusterDetail = "cluster";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);
    private readonly Random _random = new(spec.Seed);
    private int _beginsSeen;

    /// <summary>Kills, stops, restarts, leader kills made; lock files deleted; stress-ng bursts.</summary>
    public int Injected { get; private set; }

    /// <summary>Injects faults until their count is reached, the workers are done, or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            switch (spec.Fault)
            {
                case FaultKind.Kill:
                    await KillHoldersAsync(cancellationToken);
                    break;
                case FaultKind.Stop:
                    await StopHoldersAsync(cancellationToken);
                    break;
                case FaultKind.Restart:
                    await RestartServerAsync(cancellationToken);
                    break;
                case FaultKind.Delete:
                    await DeleteLockFilesAsync(cancellationToken);
                    break;
                case FaultKind.Clean:
                    await CleanLockDirectoryAsync(cancellationToken);
                    break;
                case FaultKind.Starve:
                    await StarveAsync(cancellationToken);
                    break;
                case FaultKind.LeaderKill:
                    await KillLeadersAsync(cancellationToken);
                    break;
                case FaultKind.ClusterCrash:
                    await CrashClustersAsync(cancellationToken);
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The workers are done: so are the faults.
        }
    }

    /// <summary>kill -9 of the holder mid-section; a fresh worker replaces it, to keep the load up.</summary>
    private async Task KillHoldersAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < spec.FaultCount; i++)
        {
            await LetSectionsBeginAsync(cancellationToken);
            if (await WaitForHolderAsync(cancellationToken) is not { } holder)
            {
                return;
            }

            history.Append(new Record(RecordKind.Kill, holder.Pid, -1, Record.NoToken, MonotonicClock.Nanoseconds));
            await workers.Get(holder.Pid).KillAsync();
            Injected++;
            var fresh = await workers.StartAsync(cancellationToken);
            await fresh.GoAsync();
        }
    }

    /// <summary>SIGSTOP of the holder until another holder has written (past its lease), then SIGCONT.</summary>
    private async Task StopHoldersAsync(CancellationToken cancellationToken)
    {
        var patience = (spec.LeaseTime * 3) + TimeSpan.FromSeconds(30);
        for (var i = 0; i < spec.FaultCount; i++)
        {
            await LetSectionsBeginAsync(cancellationToken);
            if (await WaitForHolderAsync(cancellationToken) is not { } holder)
            {
                return;
            }

            var stopped = MonotonicClock.Nanoseconds;
            history.Append(new Record(RecordKind.Stop, holder.Pid, holder.Iteration, holder.Token, stopped));
            Signals.Send(holder.Pid, Signals.Stop);
            Injected++;
            // Past the lease: another holder got the lock. Then let it write, unless the paused one holds the
            // resource's guard (SIGSTOP lands anywhere), which no one can take from it.
            await WaitForAsync(r => r.Kind == RecordKind.Begin && r.Pid != holder.Pid && r.Nanoseconds > stopped, patience, cancellationToken);
            await WaitForAsync(r => r.Kind == RecordKind.Write && r.Pid != holder.Pid && r.Nanoseconds > stopped, spec.LeaseTime + TimeSpan.FromSeconds(5), cancellationToken);
            history.Append(new Record(RecordKind.Continue, holder.Pid, holder.Iteration, holder.Token, MonotonicClock.Nanoseconds));
            Signals.Send(holder.Pid, Signals.Continue);

            // Let the paused section finish (and its stale write be judged) before the next pause.
            await WaitForAsync(r => r.Kind == RecordKind.End && r.Pid == holder.Pid && r.Iteration == holder.Iteration, patience, cancellationToken);
        }
    }

    /// <summary>Crashes the private server while a section is open, starts it again, and waits for the next section.</summary>
    private Task RestartServerAsync(CancellationToken cancellationToken)
    {
        var server = servers.Server ?? throw new InvalidOperationException("A restart run needs its private server.");
        return CrashWhileHeldAsync(string.Empty, () => Task.FromResult<Func<Task>>(server.RestartAsync), cancellationToken);
    }

    /// <summary>
    /// kill -9 of the cluster's leader while a section is open; once the others have elected a new leader, starts the
    /// killed member again (the cluster is whole again), and waits for a section to begin before the next kill.
    /// </summary>
    private Task KillLeadersAsync(CancellationToken cancellationToken)
    {
        var cluster = servers.Cluster ?? throw new InvalidOperationException("A leader-kill run needs its private cluster.");
        return CrashWhileHeldAsync(LeaderDetail, async () =>
        {
            var leader = await cluster.LeaderAsync();
            return async () =>
            {
                await cluster.CrashAsync(leader);
                await cluster.LeaderAsync(except: leader);
                await cluster.StartAgainAsync(leader);
            };
        }, cancellationToken);
    }

    /// <summary>
    /// kill -9 of every member at once while a section is open (a power cut); down for two lease times, so that every
    /// holder's lease runs out on its side and the servers find the leases on their disks when they come back; then
    /// every member started again on its data, and a wait for a section to begin before the next crash.
    /// </summary>
    private Task CrashClustersAsync(CancellationToken cancellationToken)
    {
        var cluster = servers.Cluster ?? throw new InvalidOperationException("A cluster-crash run needs its private cluster.");
        return CrashWhileHeldAsync(ClusterDetail, () => Task.FromResult<Func<Task>>(async () =>
        {
            await cluster.CrashAllAsync();
            await Task.Delay(spec.LeaseTime * 2, cancellationToken);
            await cluster.StartAllAgainAsync();
        }), cancellationToken);
    }

    /// <summary>
    /// The counted crashes of servers: each while a section is open, recorded as a restart (told apart by
    /// <paramref name="detail"/>) just before it strikes, then a wait for a section to begin after it. <paramref name="aim"/>
    /// finds the target (a leader) before the record, so that the record and the crash are moments apart.
    /// </summary>
    private async Task CrashWhileHeldAsync(string detail, Func<Task<Func<Task>>> aim, CancellationToken cancellationToken)
    {
        for (var i = 0; i < spec.FaultCount; i++)
        {
            await LetSectionsBeginAsync(cancellationToken);
            if (await WaitForHolderAsync(cancellationToken) is not { } holder)
            {
                return;
            }

            var strike = await aim();
            var struck = MonotonicClock.Nanoseconds;
            history.Append(new Record(RecordKind.Restart, holder.Pid, -1, Record.NoToken, struck, detail));
            await strike();
            Injected++;
            await WaitForAsync(r => r.Kind == RecordKind.Begin && r.Nanoseconds > struck, TimeSpan.FromSeconds(120), cancellationToken);
        }
    }

    /// <summary>An outside process's `rm`: deletes every lock file (not the dot files) again and again until the workers finish.</summary>
    private async Task DeleteLockFilesAsync(CancellationToken cancellationToken)
    {
        var lockDirectory = lockSpec.StartsWith("naive:", StringComparison.Ordinal)
            ? Path.GetDirectoryName(lockSpec["naive:".Length..])!
            : new Uri(lockSpec).LocalPath;
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var file in Directory.EnumerateFiles(lockDirectory))
            {
                if (!Path.GetFileName(file).StartsWith('.'))
                {
                    try
                    {
                        File.Delete(file);
                        Injected++;
                    }
                    catch (IOException)
                    {
                        // Gone already.
                    }
                }
            }

            await Task.Delay(_random.Next(0, 4), cancellationToken);
        }
    }

    /// <summary>`baton clean` from outside, again and again until the workers finish: it must never remove a file someone holds or awaits.</summary>
    private async Task CleanLockDirectoryAsync(CancellationToken cancellationToken)
    {
        await using var cleaner = await Coordinator.ConnectAsync(lockSpec, cancellationToken: cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            // Counted by passes: a lock file exists only while someone holds or awaits it, so a pass rarely finds one to remove.
            await cleaner.CleanAsync(cancellationToken: cancellationToken);
            Injected++;
            await Task.Delay(_random.Next(0, 4), cancellationToken);
        }
    }

    /// <summary>stress-ng on both cores for <see cref="RunSpec.StarveFor"/> (or until the workers finish).</summary>
    private async Task StarveAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("stress-ng") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--cpu", "2", "--timeout", ((int)spec.StarveFor.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s", "--quiet"])
        {
            info.ArgumentList.Add(argument);
        }

        Process stress;
        try
        {
            stress = Process.Start(info) ?? throw new InvalidOperationException("stress-ng did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("stress-ng is not installed: apt-get install -y stress-ng.", e);
        }

        using (stress)
        {
            Injected++;
            try
            {
                await stress.WaitForExitAsync(cancellationToken);
            }
            finally
            {
                if (!stress.HasExited)
                {
                    stress.Kill(entireProcessTree: true);
                    await stress.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
    }

    /// <summary>
    /// Waits until a seeded number of sections has begun since the last fault: between one and a share of the run's
    /// sections small enough that every fault fits in the first half of the run.
    /// </summary>
    private async Task LetSectionsBeginAsync(CancellationToken cancellationToken)
    {
        var spacing = Math.Max(1, spec.Processes * spec.Iterations / (2 * (spec.FaultCount + 1)));
        var target = _beginsSeen + _random.Next(1, spacing + 1);
        while (workers.AlivePids.Count > 0)
        {
            follower.Poll();
            _beginsSeen = follower.Begins;
            if (_beginsSeen >= target)
            {
                return;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>The BEGIN of a section open now, waiting for one while workers run; null once they are all done.</summary>
    private async Task<Record?> WaitForHolderAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            follower.Poll();
            var alive = workers.AlivePids;
            if (alive.Count == 0)
            {
                return null;
            }

            if (follower.Holder(alive) is { } holder)
            {
                return holder;
            }

            // The workers append to a file; nothing signals a new line but the file itself.
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private async Task WaitForAsync(Func<Record, bool> condition, TimeSpan patience, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var seen = 0;
        while (waited.Elapsed < patience && workers.AlivePids.Count > 0)
        {
            follower.Poll();
            for (; seen < follower.Records.Count; seen++)
            {
                if (condition(follower.Records[seen]))
                {
                    return;
                }
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
