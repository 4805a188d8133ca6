namespace Baton.Reliability.Servers;

/// <summary>
/// One member of a <see cref="PrivateCluster"/>: a private server of its own (port, data directory) that is launched
/// with the others, and that the run can crash and start again alone.
/// </summary>
internal abstract class ClusterMember(string kind) : PrivateServer(kind)
{
    /// <summary><c>host:port</c> of the member's client port, as a backend URL lists it.</summary>
    public abstract string Endpoint { get; }

    /// <summary>Starts the member's process without waiting: a member serves only once a quorum runs.</summary>
    public void LaunchAlongside() => Launch();

    /// <summary>Waits until the member serves clients (it has joined a quorum with a leader).</summary>
    public Task WaitServingAsync() => WaitUntilServingAsync();

    /// <summary>kill -9 of the member, and wait until its process is gone.</summary>
    public Task CrashAsync() => KillAsync();

    /// <summary>Starts the crashed member again on its port and data, and waits until it serves.</summary>
    public Task StartAgainAsync() => StartAsync();

    /// <summary>Whether the member says it is the leader now; false when it does not answer.</summary>
    public abstract Task<bool> IsLeaderAsync();
}
