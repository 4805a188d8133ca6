using Baton.Backends;

namespace Baton.Reliability.Harness;

/// <summary>The fault a run injects.</summary>
public enum FaultKind
{
    /// <summary>No fault.</summary>
    None,

    /// <summary>kill -9 of the holder, mid-section; a fresh worker replaces it.</summary>
    Kill,

    /// <summary>SIGSTOP of the holder past its lease, SIGCONT once another holder has written (lease backends).</summary>
    Stop,

    /// <summary>A crash and restart of a private server mid-hold (redis, postgres, etcd, zookeeper).</summary>
    Restart,

    /// <summary>An outside process deletes the lock files (a plain unlink) again and again while they are held and awaited (file backend, naive control).</summary>
    Delete,

    /// <summary>An outside process cleans the lock directory again and again with Baton's clean (lock, re-check, delete: never a held file).</summary>
    Clean,

    /// <summary>stress-ng burns both cores while the leases are renewed.</summary>
    Starve,

    /// <summary>kill -9 of the leader of a private three-member cluster mid-hold, then that member started again (etcd, zookeeper).</summary>
    LeaderKill,

    /// <summary>kill -9 of every member of a private three-member cluster at once mid-hold, then all started again (etcd, zookeeper).</summary>
    ClusterCrash,
}

/// <summary>The command-line names of the faults: the enum's names in lower case, words joined by a hyphen (<c>leader-kill</c>).</summary>
public static class FaultNames
{
    /// <summary>Every fault's name, in the enum's order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<FaultKind>().Select(Of)];

    /// <summary>The name of <paramref name="fault"/> on the command line and in results.</summary>
    public static string Of(FaultKind fault) =>
        string.Concat(fault.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>The fault named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static FaultKind? Parse(string name)
    {
        foreach (var fault in Enum.GetValues<FaultKind>())
        {
            if (string.Equals(Of(fault), name, StringComparison.OrdinalIgnoreCase))
            {
                return fault;
            }
        }

        return null;
    }
}

/// <summary>One run: what guards the section, the load, and the fault.</summary>
public sealed record RunSpec
{
    /// <summary>A Baton backend URL; <c>none</c> (no lock: control arm); <c>naive</c> (the naive delete-on-release lock file: control arm).
    /// A file URL without a path gets a lock directory of the run's own; a restart run starts a private server of the
    /// URL's scheme, a leader-kill or cluster-crash run a private three-member cluster of it, and either keeps only the URL's query options.</summary>
    public required string Backend { get; init; }

    /// <summary>The fault to inject.</summary>
    public FaultKind Fault { get; init; }

    /// <summary>How many worker processes run at once (or tasks, for memory://).</summary>
    public int Processes { get; init; } = 4;

    /// <summary>Iterations per worker.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Seeds the fault schedule (which moment, how long); printed with every result.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Whether the counter rejects writes with older tokens. Off: the fencing control arm.</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>The pause inside each section, between reading and writing the counter.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>How long one acquisition may wait.</summary>
    public TimeSpan AcquireTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many faults at most (kills, stops, restarts, leader kills); the delete and starve faults last the run instead.</summary>
    public int FaultCount { get; init; } = 3;

    /// <summary>The run ends by then: remaining workers are killed (and recorded so).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long stress-ng runs in a starve run.</summary>
    public TimeSpan StarveFor { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The backend's scheme, or the control arm's name.</summary>
    public string Scheme => Backend.Contains("://", StringComparison.Ordinal) ? Backend.Split("://")[0] : Backend;

    /// <summary>The lease or session time the URL asks for (its <c>ttl</c>), or DESIGN.md's default of 15 s.</summary>
    public TimeSpan LeaseTime
    {
        get
        {
            var query = Backend.Contains('?', StringComparison.Ordinal) ? Backend[(Backend.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
            foreach (var pair in query.Split('&'))
            {
                if (pair.StartsWith("ttl=", StringComparison.Ordinal) && BackendUrl.TryParseDuration(pair[4..], out var ttl))
                {
                    return ttl;
                }
            }

            return TimeSpan.FromSeconds(15);
        }
    }

    /// <summary>The runner command line that repeats this run.</summary>
    public string Command =>
        $"dotnet run -c Release --project tests/Baton.Reliability.Runner -- --backend '{BackendUrl.Redact(Backend)}' --fault {FaultNames.Of(Fault)}"
        + $" --processes {Processes} --iterations {Iterations} --seed {Seed}"
        + (Fencing ? string.Empty : " --fencing off")
        + (Hold == TimeSpan.FromMilliseconds(2) ? string.Empty : $" --hold-ms {Hold.TotalMilliseconds}")
        + (FaultCount == 3 ? string.Empty : $" --faults {FaultCount}")
        + (Fault != FaultKind.Starve || StarveFor == TimeSpan.FromSeconds(20) ? string.Empty : $" --starve-seconds {StarveFor.TotalSeconds}");
}
