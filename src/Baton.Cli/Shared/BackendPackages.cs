using Baton.Backends;

namespace Baton.Cli.Shared;

/// <summary>
/// The backend packages `baton` ships with. A library finds a referenced backend package by its assembly name, but
/// a Native AOT executable has no assemblies to load at run time (and the trimmer drops what nothing names), so the
/// command registers each provider itself: building a provider is cheap and connects to nothing.
/// </summary>
internal static class BackendPackages
{
    public static void Register()
    {
        BackendRegistry.Register(new Etcd.EtcdBackendProvider());
        Redis.RedisBackendProvider.Register();
        BackendRegistry.Register(new Postgres.PostgresBackendProvider());
        BackendRegistry.Register(new ZooKeeper.ZooKeeperBackendProvider());
    }
}
