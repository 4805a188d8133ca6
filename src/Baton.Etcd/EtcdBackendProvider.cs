using Baton.Backends;
using Baton.Etcd;

[assembly: BackendProvider(typeof(EtcdBackendProvider))]

namespace Baton.Etcd;

/// <summary>Connects <c>etcd://</c> and <c>etcds://</c> URLs: one gRPC channel and one lease per coordinator.</summary>
public sealed class EtcdBackendProvider : IBackendProvider
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["etcd", "etcds"];

    /// <inheritdoc />
    public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = EtcdOptions.Parse(context.Url);
        return await EtcdBackend.ConnectAsync(options, context, cancellationToken).ConfigureAwait(false);
    }
}
