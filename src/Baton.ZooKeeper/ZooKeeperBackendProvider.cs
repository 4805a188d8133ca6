using Baton.Backends;
using Baton.ZooKeeper;

[assembly: BackendProvider(typeof(ZooKeeperBackendProvider))]

namespace Baton.ZooKeeper;

/// <summary>Connects <c>zookeeper://</c> URLs: one session (one connection) per coordinator, through Baton's own client.</summary>
public sealed class ZooKeeperBackendProvider : IBackendProvider
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["zookeeper"];

    /// <inheritdoc />
    public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = ZooKeeperOptions.Parse(context.Url);
        return await ZooKeeperBackend.ConnectAsync(options, context, cancellationToken).ConfigureAwait(false);
    }
}
