using System.Threading.Channels;
using Baton.ZooKeeper.Client.Connection;
using Baton.ZooKeeper.Client.Watches;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.ZooKeeper.Client;

/// <summary>
/// An async client of the ZooKeeper wire protocol: one session over one pipelined TCP connection at a time, moving to
/// another server of the ensemble when a connection fails, without losing the session while it lives.
/// </summary>
/// <remarks>
/// Thread-safe. Requests are answered in the order they were issued. A request in flight when its connection drops
/// fails with <see cref="ZooKeeperErrorCode.ConnectionLoss"/> (it may or may not have been applied); requests issued
/// while <see cref="ZooKeeperConnectionState.Suspended"/> wait for the reconnect. Once the session is lost (expired,
/// closed or refused), every call fails and <see cref="SessionLost"/> has fired.
/// </remarks>
public sealed partial class ZooKeeperClient : IAsyncDisposable
{
    private readonly ZooKeeperClientOptions _options;
    private readonly string? _chroot;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingRequest> _requests = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WatchTable _watches = new();
    private readonly EventDispatcher _events;
    private readonly CancellationTokenSource _sessionLost = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;
    private volatile ZooKeeperConnectionState _state = ZooKeeperConnectionState.Connecting;
    private int _disposed;

    private ZooKeeperClient(ZooKeeperClientOptions options)
    {
        _options = options;
        _chroot = PathRules.NormalizeChroot(options.Chroot);
        _time = options.TimeProvider;
        _logger = options.Logger ?? NullLogger.Instance;
        _events = new EventDispatcher(_logger);
    }

    /// <summary>
    /// Connects to the first server of <see cref="ZooKeeperClientOptions.Servers"/> that answers (rotating through them)
    /// and establishes a new session, within <see cref="ZooKeeperClientOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="ZooKeeperException">No server answered in time (<see cref="ZooKeeperErrorCode.ConnectionLoss"/>;
    /// the message names each endpoint tried and why it failed) or the credentials were refused
    /// (<see cref="ZooKeeperErrorCode.AuthFailed"/>).</exception>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var client = new ZooKeeperClient(options);
        client._loop = Task.Run(client.RunSessionAsync, CancellationToken.None);
        try
        {
            await client._firstSession.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The session's id (0 until the first session is established).</summary>
    public long SessionId { get; private set; }

    /// <summary>The session timeout the server granted.</summary>
    public TimeSpan SessionTimeout { get; private set; }

    /// <summary>The session's current state.</summary>
    public ZooKeeperConnectionState State => _state;

    /// <summary>Raised on every state change, in order, on the client's event task (never under its locks).</summary>
    public event Action<ZooKeeperConnectionState>? StateChanged;

    /// <summary>
    /// Fires once, when the session can no longer be relied on: expired (as the server says, or because no reconnect
    /// happened within the session timeout), closed, or refused credentials.
    /// </summary>
    public CancellationToken SessionLost => _sessionLost.Token;

    /// <summary>
    /// Closes the session (waiting about a second for the server's answer), so its ephemeral nodes go at once; fails
    /// pending calls with <see cref="ObjectDisposedException"/>; calls every outstanding watcher with
    /// <see cref="WatchedEventType.None"/> and <see cref="ZooKeeperConnectionState.Closed"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // While suspended the close waits in the queue for a reconnect, within the same bound.
        if (_state is ZooKeeperConnectionState.Connected or ZooKeeperConnectionState.Suspended)
        {
            await CloseSessionAsync().ConfigureAwait(false);
        }

        End(ZooKeeperConnectionState.Closed, "the client was disposed");
        await _disposing.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop only waits on sockets and timers, all cancelled by now; never hold the caller for it.
        }

        _ = _events.CompleteAsync();
    }

    private static void Validate(ZooKeeperClientOptions options)
    {
        if (options.Servers is null || options.Servers.Count == 0)
        {
            throw new ArgumentException("At least one ZooKeeper server is needed.", nameof(options));
        }

        if (options.SessionTimeout <= TimeSpan.Zero || options.SessionTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SessionTimeout, "The session timeout must be positive.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero && options.ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ConnectTimeout, "The connect timeout must be positive or infinite.");
        }

        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentNullException.ThrowIfNull(options.Auth, nameof(options.Auth));
        PathRules.NormalizeChroot(options.Chroot);
    }
}
