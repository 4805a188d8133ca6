using Baton.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting;

/// <summary>
/// The host's connection to one Baton backend: one <see cref="Baton.Coordinator"/>, connected once (at host start by
/// default, see <see cref="BatonOptions.ConnectAtStart"/>) and disposed when the host stops. Inject it to take locks
/// or read elections: <c>BatonConnection</c> for the connection of <c>AddBaton</c>, or
/// <c>[FromKeyedServices("name")] BatonConnection</c> for one of <c>AddKeyedBaton</c>.
/// </summary>
/// <remarks>
/// Connecting happens once, shared by every caller. A failed connect is not remembered: the next call tries again, so
/// a backend that was down when the host started is picked up when it comes back.
/// </remarks>
public sealed class BatonConnection : IAsyncDisposable
{
    private readonly IOptionsMonitor<BatonOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _gate = new();

    // Guarded by _gate; _coordinator is also read without it once set.
    private Task<Coordinator>? _connecting;
    private volatile Coordinator? _coordinator;
    private bool _disposed;

    internal BatonConnection(string name, IOptionsMonitor<BatonOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        Name = name;
        _options = options;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<BatonConnection>();
    }

    /// <summary>The connection's name: empty for the one of <c>AddBaton</c>, the service key for <c>AddKeyedBaton</c>.</summary>
    public string Name { get; }

    /// <summary>The backend URL, with any password hidden: the connected one, or the configured one before connecting.</summary>
    public string BackendUrl => _coordinator?.BackendUrl ?? Backends.BackendUrl.Redact(Options.BackendUrl ?? string.Empty);

    /// <summary>True once connected (and until disposed).</summary>
    public bool IsConnected => _coordinator is not null && !Volatile.Read(ref _disposed);

    /// <summary>
    /// The connected coordinator. Available once the host has started (with <see cref="BatonOptions.ConnectAtStart"/>,
    /// the default) or after <see cref="GetCoordinatorAsync"/> has returned; use that method where it may be earlier.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not connected yet.</exception>
    /// <exception cref="ObjectDisposedException">The host has stopped.</exception>
    public Coordinator Coordinator
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            return _coordinator ?? throw new InvalidOperationException(
                $"Baton is not connected to {BackendUrl} yet: the host has not started, or BatonOptions.ConnectAtStart is false and nothing has connected. Use GetCoordinatorAsync, which connects.");
        }
    }

    /// <summary>The coordinator, connecting first if that has not happened yet (or failed before).</summary>
    /// <param name="cancellationToken">Stops waiting; a connect that others wait for goes on.</param>
    /// <exception cref="BackendUnavailableException">The backend could not be reached within <see cref="BatonOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="ArgumentException">The backend refused the URL's options; the message names them, without the password.</exception>
    /// <exception cref="ObjectDisposedException">The host has stopped.</exception>
    public ValueTask<Coordinator> GetCoordinatorAsync(CancellationToken cancellationToken = default)
    {
        if (_coordinator is { } connected && !Volatile.Read(ref _disposed))
        {
            return new(connected);
        }

        return new(Connecting().WaitAsync(cancellationToken));
    }

    /// <summary>Disposes the coordinator: holds still open end as if this process had crashed. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Task<Coordinator>? connecting;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connecting = _connecting;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        if (connecting is not null)
        {
            try
            {
                await (await connecting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or BackendUnavailableException or ArgumentException or ObjectDisposedException)
            {
                // It never connected: nothing to close.
            }
        }

        _disposing.Dispose();
    }

    /// <summary>Shows the name and the backend, password hidden.</summary>
    public override string ToString() => Name.Length == 0 ? $"Baton connection to {BackendUrl}" : $"Baton connection '{Name}' to {BackendUrl}";

    // Read when connecting; a later change of configuration does not move a connected coordinator.
    internal BatonOptions Options => _options.Get(Name);

    private Task<Coordinator> Connecting()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync(_disposing.Token);
            }

            return _connecting;
        }
    }

    private async Task<Coordinator> ConnectAsync(CancellationToken disposing)
    {
        // Off the caller's stack, and so never completed under _gate.
        await Task.Yield();
        var options = Options;
        var url = Backends.BackendUrl.Redact(options.BackendUrl ?? string.Empty);
        var coordinatorOptions = new CoordinatorOptions
        {
            MemberId = options.MemberId,
            ConnectTimeout = options.ConnectTimeout,
            WatchPollInterval = options.WatchPollInterval,
            TimeProvider = _timeProvider,
            LoggerFactory = _loggerFactory,
        };

        Coordinator coordinator;
        try
        {
            coordinator = await Coordinator.ConnectAsync(options.BackendUrl?.Trim(), coordinatorOptions, disposing).ConfigureAwait(false);
        }
        catch (Exception e) when (!disposing.IsCancellationRequested)
        {
            Log.ConnectFailed(_logger, url, e);
            throw;
        }

        _coordinator = coordinator;
        Log.Connected(_logger, coordinator.BackendUrl, coordinator.Member);
        return coordinator;
    }
}
