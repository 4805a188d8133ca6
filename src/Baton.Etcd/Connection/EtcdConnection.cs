using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Etcd.Connection;

/// <summary>
/// One gRPC channel to the cluster (HTTP/2, every call of the coordinator multiplexed on it). With several
/// endpoints the channel's pick-first balancer fails over between them. With a user name, calls carry the token
/// etcd's Authenticate returned; it is fetched again when etcd says it expired.
/// </summary>
internal sealed class EtcdConnection : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly ServiceProvider _services;
    private readonly EtcdOptions _options;
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private volatile Metadata? _auth;

    private EtcdConnection(EtcdOptions options)
    {
        _options = options;
        var addresses = options.Endpoints.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();
        var collection = new ServiceCollection();
        collection.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        _services = collection.BuildServiceProvider();
        _channel = GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
        {
            Credentials = options.UseTls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            ServiceProvider = _services,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } },

            // Reconnect within seconds of a member coming back (gRPC's default backoff grows to two minutes).
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                SslOptions = options.CaCertificatePath is { } ca ? TrustedRoot.Options(ca) : new(),
            },
        });
        Kv = new KV.KVClient(_channel);
        Lease = new Lease.LeaseClient(_channel);
        Watch = new Watch.WatchClient(_channel);
    }

    public KV.KVClient Kv { get; }

    public Lease.LeaseClient Lease { get; }

    public Watch.WatchClient Watch { get; }

    /// <summary>The URL without its password, for messages.</summary>
    public string DisplayUrl => _options.DisplayUrl;

    public static async Task<EtcdConnection> OpenAsync(EtcdOptions options, CancellationToken cancellationToken)
    {
        var connection = new EtcdConnection(options);
        try
        {
            await connection.AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Options of one call: the auth token (if any), a deadline and the caller's cancellation.</summary>
    /// <remarks>
    /// Calls wait for the channel to be ready rather than failing at once while it reconnects (a member restarting,
    /// failover to another): the deadline or the caller's cancellation bounds the wait.
    /// </remarks>
    public CallOptions Call(CancellationToken cancellationToken, TimeSpan? timeout = null, bool waitForReady = true) =>
        new CallOptions(_auth, timeout is { } t ? DateTime.UtcNow + t : null, cancellationToken).WithWaitForReady(waitForReady);

    /// <summary>
    /// Runs a unary call, authenticating again once when etcd says the token expired. <paramref name="waitForReady"/>
    /// false fails at once when no endpoint accepts a connection (the first call of a coordinator: an unreachable
    /// cluster is reported at once, not at the end of the connect timeout).
    /// </summary>
    /// <remarks>
    /// While the cluster elects a leader (or the channel fails over), etcd answers <c>Unavailable</c>; such a call is
    /// sent again every 100 ms until its deadline. Every request Baton sends may be applied twice: its writes
    /// compare create revisions or put the same key and value again.
    /// </remarks>
    public async Task<T> RunAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken, TimeSpan? timeout = null, bool waitForReady = true)
    {
        var deadline = timeout is { } t ? DateTime.UtcNow + t : (DateTime?)null;
        var authenticatedAgain = false;
        while (true)
        {
            try
            {
                return await call(new CallOptions(_auth, deadline, cancellationToken).WithWaitForReady(waitForReady)).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (_options.UserName is not null && IsAuthFailure(e) && !authenticatedAgain)
            {
                authenticatedAgain = true;
                await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (waitForReady && e.StatusCode == StatusCode.Unavailable && !cancellationToken.IsCancellationRequested
                && (deadline is null || DateTime.UtcNow + RetryDelay < deadline))
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    public static bool IsAuthFailure(RpcException e) =>
        e.StatusCode == StatusCode.Unauthenticated
        || (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("auth token", StringComparison.OrdinalIgnoreCase));

    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        if (_options.UserName is null)
        {
            return;
        }

        await _authenticating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var auth = new Auth.AuthClient(_channel);
            var response = await auth.AuthenticateAsync(
                new AuthenticateRequest { Name = _options.UserName, Password = _options.Password ?? string.Empty },
                new CallOptions(deadline: DateTime.UtcNow + TimeSpan.FromSeconds(10), cancellationToken: cancellationToken).WithWaitForReady(false)).ResponseAsync.ConfigureAwait(false);
            _auth = new Metadata { { "token", response.Token } };
        }
        finally
        {
            _authenticating.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
        _authenticating.Dispose();
    }
}
