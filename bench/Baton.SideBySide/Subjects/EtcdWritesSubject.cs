using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// The floor of a lock on etcd: the two writes any lock cycle needs, a put and a delete of one key, through the
/// same gRPC client Baton uses (dotnet-etcd's generated clients on one channel). Not a lock: measure it with
/// <c>--measures uncontended</c> only.
/// </summary>
internal sealed class EtcdWritesSubject(string endpoint) : InProcessSubject($"etcd put+delete ({endpoint})")
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress($"http://{endpoint}");

    public override ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken) =>
        new(new Client(new KV.KVClient(_channel), ByteString.CopyFromUtf8($"baton-bench-floor/{lockName}/{Guid.NewGuid():N}")));

    public override async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Client(KV.KVClient kv, ByteString key) : ILockClient
    {
        private static readonly ByteString Value = ByteString.CopyFromUtf8("x");

        public async ValueTask AcquireAsync() => await kv.PutAsync(new PutRequest { Key = key, Value = Value }).ResponseAsync.ConfigureAwait(false);

        public async ValueTask ReleaseAsync() => await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = key }).ResponseAsync.ConfigureAwait(false);

        public ValueTask DisposeAsync() => default;
    }
}
