using System.Globalization;
using System.Net;
using Baton.ZooKeeper.Client;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// The floor of a lock on ZooKeeper: the two writes any lock cycle needs, the create of an ephemeral node and its
/// delete, through the client Baton uses (its own, one session per client). Not a lock: measure it with
/// <c>--measures uncontended</c> only.
/// </summary>
internal sealed class ZooKeeperWritesSubject(string endpoint) : InProcessSubject($"zookeeper create+delete ({endpoint})")
{
    public override async ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken)
    {
        var colon = endpoint.LastIndexOf(':');
        var session = await ZooKeeperClient.ConnectAsync(
            new ZooKeeperClientOptions { Servers = [new DnsEndPoint(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture))] },
            cancellationToken).ConfigureAwait(false);
        await session.EnsurePathAsync("/baton-bench-floor", cancellationToken).ConfigureAwait(false);
        return new Client(session, $"/baton-bench-floor/{lockName}-{Guid.NewGuid():N}");
    }

    private sealed class Client(ZooKeeperClient session, string path) : ILockClient
    {
        public async ValueTask AcquireAsync() => await session.CreateAsync(path, "x"u8.ToArray(), CreateMode.Ephemeral, CancellationToken.None).ConfigureAwait(false);

        public async ValueTask ReleaseAsync() => await session.DeleteAsync(path, -1, CancellationToken.None).ConfigureAwait(false);

        public ValueTask DisposeAsync() => session.DisposeAsync();
    }
}
