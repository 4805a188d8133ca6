namespace Baton.Reliability.Servers;

/// <summary>The servers a run started for itself: a private server (restart runs), a private cluster (leader-kill runs), or neither.</summary>
/// <param name="Server">The private server, or null.</param>
/// <param name="Cluster">The private cluster, or null.</param>
internal sealed record PrivateServers(PrivateServer? Server, PrivateCluster? Cluster);
