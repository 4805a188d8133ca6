using System.Collections.Concurrent;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Baton.Etcd.Connection;

/// <summary>
/// Every watch of a coordinator on one gRPC stream, told apart by watch ids chosen here (etcd 3.4+). When the stream
/// breaks (an endpoint failed, etcd restarted) it is opened again and every live watch is created again from the
/// revision after the last one it saw, so no event is lost and watchers never notice. A watch whose start revision
/// was compacted away is reported to its owner, who reads the state afresh.
/// </summary>
internal sealed class WatchHub : IAsyncDisposable
{
    private readonly EtcdConnection _connection;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, EtcdWatch> _watches = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly TaskCompletionSource _streamReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AsyncDuplexStreamingCall<WatchRequest, WatchResponse>? _call;
    private long _nextId;

    public WatchHub(EtcdConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>
    /// Raised on the hub's reader when the stream broke (before it is opened again and every watch resumes where it
    /// stopped): for observers that tell their callers to read again rather than trust a quiet stream.
    /// </summary>
    public event Action? StreamBroke;

    /// <summary>
    /// Watches a key (or a range) from <paramref name="startRevision"/> on. <paramref name="onEvent"/> runs on the
    /// hub's reader for each event batch; <paramref name="onCompacted"/> when the start was compacted away (the
    /// watch is then over). Dispose the returned watch to cancel it.
    /// </summary>
    public async Task<EtcdWatch> WatchAsync(ByteString key, ByteString? rangeEnd, long startRevision, Action<IReadOnlyList<Mvccpb.Event>> onEvent, Action onCompacted, CancellationToken cancellationToken)
    {
        var watch = new EtcdWatch(this, Interlocked.Increment(ref _nextId), key, rangeEnd, startRevision, onEvent, onCompacted);
        _watches[watch.Id] = watch;
        try
        {
            await SendCreateAsync(watch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException)
        {
            // The stream is broken: the pump re-creates every registered watch, this one included, once it reconnects.
        }
        catch (OperationCanceledException)
        {
            _watches.TryRemove(watch.Id, out _);
            throw;
        }

        return watch;
    }

    /// <summary>
    /// Ends a watch at once: its events are ignored from now on and a reopened stream no longer creates it. Telling
    /// etcd is only tidiness, so it happens in the background and never holds up the caller (a release while etcd
    /// is unreachable must not wait for it to come back).
    /// </summary>
    internal ValueTask CancelAsync(EtcdWatch watch)
    {
        if (_watches.TryRemove(watch.Id, out _))
        {
            _ = TellCancelledAsync(watch.Id);
        }

        return ValueTask.CompletedTask;
    }

    private async Task TellCancelledAsync(long id)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await WriteAsync(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = id } }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // A broken stream has no watch left to cancel; the pump does not re-create removed watches.
        }
    }

    private Task SendCreateAsync(EtcdWatch watch, CancellationToken cancellationToken) =>
        WriteAsync(
            new WatchRequest
            {
                CreateRequest = new WatchCreateRequest
                {
                    Key = watch.Key,
                    RangeEnd = watch.RangeEnd ?? ByteString.Empty,
                    StartRevision = watch.NextRevision,
                    WatchId = watch.Id,
                },
            },
            cancellationToken);

    private async Task WriteAsync(WatchRequest request, CancellationToken cancellationToken)
    {
        await _streamReady.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var call = _call ?? throw new InvalidOperationException("The watch stream is not open.");
            await call.RequestStream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task PumpAsync()
    {
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _writing.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    _call?.Dispose();
                    _call = _connection.Watch.Watch(_connection.Call(_stop.Token));
                    foreach (var watch in _watches.Values)
                    {
                        await _call.RequestStream.WriteAsync(new WatchRequest
                        {
                            CreateRequest = new WatchCreateRequest
                            {
                                Key = watch.Key,
                                RangeEnd = watch.RangeEnd ?? ByteString.Empty,
                                StartRevision = watch.NextRevision,
                                WatchId = watch.Id,
                            },
                        },
                        _stop.Token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _writing.Release();
                }

                if (first)
                {
                    first = false;
                    _streamReady.TrySetResult();
                }

                await foreach (var response in _call.ResponseStream.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    Dispatch(response);
                }
            }
            catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or OperationCanceledException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                Log.WatchBroke(_logger, e, _connection.DisplayUrl);
                StreamBroke?.Invoke();
            }

            _streamReady.TrySetResult();
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Dispatch(WatchResponse response)
    {
        if (!_watches.TryGetValue(response.WatchId, out var watch))
        {
            return;
        }

        if (response.Created && !response.Canceled)
        {
            watch.OnCreated(response.Header.Revision);
        }

        if (response.CompactRevision > 0 || (response.Canceled && !response.Created))
        {
            _watches.TryRemove(watch.Id, out _);
            watch.OnCompacted();
            return;
        }

        if (response.Events.Count > 0)
        {
            watch.NextRevision = response.Events[^1].Kv.ModRevision + 1;
            watch.OnEvent(response.Events);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _call?.Dispose();
        _stop.Dispose();
        _writing.Dispose();
    }
}

/// <summary>One watch on the hub's stream. Disposing it cancels it.</summary>
internal sealed class EtcdWatch(WatchHub hub, long id, ByteString key, ByteString? rangeEnd, long startRevision, Action<IReadOnlyList<Mvccpb.Event>> onEvent, Action onCompacted) : IAsyncDisposable
{
    public long Id { get; } = id;

    public ByteString Key { get; } = key;

    public ByteString? RangeEnd { get; } = rangeEnd;

    private readonly TaskCompletionSource<long> _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Where to start again after a reconnection: one past the last event seen.</summary>
    public long NextRevision { get; set; } = startRevision;

    /// <summary>
    /// Completes with the store's revision when etcd confirmed the watch: from then on every change reaches it at
    /// once. (A watch asked to start at an older revision is caught up by etcd's background sync, every 100 ms.)
    /// </summary>
    public Task<long> Created => _created.Task;

    public void OnCreated(long revision)
    {
        if (NextRevision == 0)
        {
            NextRevision = revision + 1;
        }

        _created.TrySetResult(revision);
    }

    public void OnEvent(IReadOnlyList<Mvccpb.Event> events) => onEvent(events);

    public void OnCompacted()
    {
        // A watch etcd refused is over: whoever waits for its creation reads the state afresh instead.
        _created.TrySetResult(long.MaxValue);
        onCompacted();
    }

    public ValueTask DisposeAsync() => hub.CancelAsync(this);
}
