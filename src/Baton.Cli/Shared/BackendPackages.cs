using System.Diagnostics.CodeAnalysis;
using Baton.Backends;

namespace Baton.Cli.Shared;

/// <summary>
/// The backend packages `baton` ships with. A library finds a referenced backend package by its assembly name, but
/// a Native AOT executable has no assemblies to load at run time (and the trimmer drops what nothing names), so the
/// command registers each provider itself: building a provider is cheap and connects to nothing.
/// </summary>
internal static class BackendPackages
{
    /// <summary>The feature switch that leaves the network backends out of a build (see <see cref="NetworkHandOff"/>).</summary>
    public const string NetworkBackendsSwitch = "Baton.Cli.NetworkBackends";

    /// <summary>
    /// Whether this build has the network backends (etcd, Redis, PostgreSQL, ZooKeeper). False only in the local
    /// `baton` of a Native AOT publish, where the compiler reads it as a constant, so the trimmer drops them.
    /// </summary>
    [FeatureSwitchDefinition(NetworkBackendsSwitch)]
    public static bool NetworkBackends => !AppContext.TryGetSwitch(NetworkBackendsSwitch, out var enabled) || enabled;

    public static void Register()
    {
        if (!NetworkBackends)
        {
            return;
        }

        BackendRegistry.Register(new Etcd.EtcdBackendProvider());
        Redis.RedisBackendProvider.Register();
        BackendRegistry.Register(new Postgres.PostgresBackendProvider());
        BackendRegistry.Register(new ZooKeeper.ZooKeeperBackendProvider());
    }
}
