using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Baton.Etcd;

/// <summary>The unary calls, bounded by the call timeout and reported as the backend being unavailable.</summary>
internal sealed partial class EtcdBackend
{
    public async Task<TxnResponse> TxnAsync(TxnRequest txn, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.RunAsync(options => _connection.Kv.TxnAsync(txn, options), cancellationToken, CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(DisplayUrl, "a transaction failed", e);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private async Task<RangeResponse> RangeAsync(ByteString key, ByteString end, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.RunAsync(options => _connection.Kv.RangeAsync(new RangeRequest { Key = key, RangeEnd = end }, options), cancellationToken, CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(DisplayUrl, "a read failed", e);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static BackendUnavailableException Unavailable(string url, string what, RpcException e) =>
        new($"etcd at {url} is unavailable ({what}): {e.Status.StatusCode}: {e.Status.Detail}", e);
}
