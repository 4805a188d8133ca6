namespace Baton.SideBySide.Subjects;

/// <summary>
/// Turns a subject spec from the command line into a <see cref="Subject"/>. To add an in-process peer,
/// write an <see cref="InProcessSubject"/> and add its spec here; an external peer needs no code, only
/// <c>process:LABEL=COMMAND</c>.
/// </summary>
internal static class SubjectCatalog
{
    public const string Help =
        """
          baton:URL              Baton on any backend URL, e.g. baton:memory:// (also just 'baton') or
                                 baton:file:///dev/shm/x; contending clients in child processes except
                                 for memory:// (see --baton-placement)
          semaphoreslim          SemaphoreSlim(1, 1) WaitAsync+Release, the in-process floor
          etcd-writes:HOST:PORT  etcd's floor: a put and a delete of one key through Baton's gRPC client
                                 (not a lock: --measures uncontended)
          zookeeper-writes:HOST:PORT
                                 ZooKeeper's floor: the create and delete of an ephemeral node through
                                 Baton's own client (not a lock: --measures uncontended)
          distributedlock-redis:redis://HOST:PORT
                                 DistributedLock.Redis (default options) on that server; contending
                                 clients in child processes
          redis-ping:redis://HOST:PORT
                                 one StackExchange.Redis PING per "acquire": the round-trip floor
                                 (use with --measures uncontended)
          npgsql-advisory:URL    pg_advisory_lock+pg_advisory_unlock through Npgsql on a postgres:// URL, the floor
          distributedlock-postgres:URL  DistributedLock.Postgres 1.3.1 on a postgres:// URL; contending
                                 clients in child processes (in this process with --baton-placement in-process)
          process:LABEL=COMMAND  an external program that prints the JSON result (see bench/README.md);
                                 COMMAND runs under /bin/sh with the settings appended as options
        """;

    public static Subject Create(string spec, TimeSpan processTimeout, BatonPlacement batonPlacement = BatonPlacement.Auto)
    {
        var trimmed = spec.Trim();
        if (trimmed == "baton")
        {
            return new BatonSubject("memory://", batonPlacement);
        }

        if (trimmed.StartsWith("baton:", StringComparison.Ordinal))
        {
            return new BatonSubject(trimmed["baton:".Length..], batonPlacement);
        }

        if (trimmed.Equals("semaphoreslim", StringComparison.OrdinalIgnoreCase))
        {
            return new SemaphoreSlimSubject();
        }

        if (trimmed.StartsWith("etcd-writes:", StringComparison.Ordinal))
        {
            return new EtcdWritesSubject(trimmed["etcd-writes:".Length..]);
        }

        if (trimmed.StartsWith("zookeeper-writes:", StringComparison.Ordinal))
        {
            return new ZooKeeperWritesSubject(trimmed["zookeeper-writes:".Length..]);
        }

        if (trimmed.StartsWith(DistributedLockRedisSubject.Prefix, StringComparison.Ordinal))
        {
            return new DistributedLockRedisSubject(trimmed, crossProcess: batonPlacement != BatonPlacement.InProcess);
        }

        if (trimmed.StartsWith(RedisPingSubject.Prefix, StringComparison.Ordinal))
        {
            return new RedisPingSubject(trimmed);
        }

        if (trimmed.StartsWith("npgsql-advisory:", StringComparison.Ordinal))
        {
            return new NpgsqlAdvisorySubject(trimmed["npgsql-advisory:".Length..]);
        }

        if (trimmed.StartsWith(DistributedLockPostgresSubject.Prefix, StringComparison.Ordinal))
        {
            return new DistributedLockPostgresSubject(trimmed, crossProcess: batonPlacement != BatonPlacement.InProcess);
        }

        if (trimmed.StartsWith("process:", StringComparison.Ordinal))
        {
            var body = trimmed["process:".Length..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == body.Length - 1)
            {
                throw new ArgumentException($"'{spec}': a process subject is process:LABEL=COMMAND, e.g. process:fasteners=python3 bench/peers/fasteners_peer.py.");
            }

            return new ProcessSubject(body[..equals], body[(equals + 1)..], processTimeout);
        }

        throw new ArgumentException($"Unknown subject '{spec}'. Known kinds:\n{Help}");
    }
}
