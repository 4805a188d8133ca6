namespace Baton.Hostile.Tests.Support;

/// <summary>
/// A backend URL with a namespace of its own (a directory, key prefix, schema, node prefix or scope), and what the
/// backend's storage holds inside and outside it, read with the backend's own tools rather than through Baton.
/// </summary>
internal abstract class Namespace : IAsyncDisposable
{
    /// <summary>The coordinator URL, isolated from every other test.</summary>
    public abstract string Url { get; }

    /// <summary>The member id every coordinator of the test uses, so its records can be recognised in shared storage.</summary>
    public string MemberId { get; } = "hostile-" + Guid.NewGuid().ToString("N");

    /// <summary>Creates the namespace of a backend.</summary>
    public static async Task<Namespace> CreateAsync(Backend backend) => backend switch
    {
        Backend.Memory => new MemoryNamespace(),
        Backend.File => new FileNamespace(string.Empty),
        Backend.FileFlock => new FileNamespace("?api=flock"),
        Backend.FileTable => new FileNamespace("?mode=table"),
        Backend.Redis => await RedisNamespace.CreateAsync(),
        Backend.Postgres => new PostgresNamespace(),
        Backend.Etcd => new EtcdNamespace(),
        Backend.ZooKeeper => await ZooKeeperNamespace.CreateAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, null),
    };

    /// <summary>A coordinator on <see cref="Url"/> with <see cref="MemberId"/>.</summary>
    public ValueTask<Coordinator> ConnectAsync() => Coordinator.ConnectAsync(Url, new CoordinatorOptions { MemberId = MemberId });

    /// <summary>Remembers the storage as it is now (after a first lock was taken and released), to compare later.</summary>
    public abstract Task SnapshotAsync();

    /// <summary>Problems seen while every name of <paramref name="names"/> is held: storage outside the namespace, or not one entry per name.</summary>
    public abstract Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names);

    /// <summary>Problems seen after every hold was released: leftovers, or storage outside the namespace.</summary>
    public abstract Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
