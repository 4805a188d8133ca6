using Baton.Introspection;
using Microsoft.Extensions.Logging;

namespace Baton.Dashboard.Feed;

/// <summary>
/// Reads the backend's listing every refresh interval while at least one page listens, once for all of them, and
/// tells listeners when it changed. Nobody listening, nothing is read.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The poll loop owns its CancellationTokenSource and disposes it when it ends.")]
internal sealed partial class LockFeed
{
    private readonly Coordinator _coordinator;
    private readonly TimeSpan _refresh;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private FeedSnapshot? _current;
    private string? _currentFingerprint;
    private int _listeners;
    private CancellationTokenSource? _polling;

    public LockFeed(Coordinator coordinator, TimeSpan refresh, TimeProvider time, ILogger logger)
    {
        _coordinator = coordinator;
        _refresh = refresh;
        _time = time;
        _logger = logger;
    }

    /// <summary>Counts a listener in; the first one starts the reads. Dispose the result to count it out.</summary>
    public IDisposable Listen()
    {
        lock (_gate)
        {
            if (_listeners++ == 0)
            {
                // What was read before nobody listened is stale: listeners wait for a fresh read.
                _current = null;
                _currentFingerprint = null;
                _polling = new CancellationTokenSource();
                _ = PollAsync(_polling);
            }
        }

        return new Listener(this);
    }

    /// <summary>The latest read once its version is above <paramref name="seenVersion"/> (at once when it already is).</summary>
    /// <param name="seenVersion">The version the caller has; 0 for none.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<FeedSnapshot> NextAsync(long seenVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_current is { } current && current.Version > seenVersion)
                {
                    return current;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What a listing shows apart from time: the same fingerprint means nothing changed but the durations.</summary>
    internal static string Fingerprint(LocksDocument document) =>
        (document with
        {
            ObservedAt = default,
            Locks = [.. document.Locks.Select(l => l with
            {
                Holders = [.. l.Holders.Select(h => h with { HeldSeconds = 0 })],
                Waiters = [.. l.Waiters.Select(w => w with { WaitedSeconds = 0 })],
            })],
        }).ToJson(indented: false);

    private async Task PollAsync(CancellationTokenSource polling)
    {
        using var owned = polling;
        var stop = polling.Token;
        // A read that hangs (a network backend gone quiet) must not stall every page: it is given a deadline.
        var readTimeout = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, _refresh.Ticks * 4));
        while (!stop.IsCancellationRequested)
        {
            FeedSnapshot? read;
            string fingerprint;
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
                deadline.CancelAfter(readTimeout);
                var locks = await _coordinator.ListLocksAsync(deadline.Token).ConfigureAwait(false);
                var document = LocksDocument.FromListing(_coordinator.BackendUrl, locks, _time.GetUtcNow());
                read = new FeedSnapshot(0, document, null);
                fingerprint = Fingerprint(document);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure of a read is shown on the page, and the next read tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                var message = e is OperationCanceledException
                    ? $"the backend did not answer within {readTimeout.TotalSeconds:0} s"
                    : e.Message;
                LogReadFailed(_logger, e, _coordinator.BackendUrl);
                read = new FeedSnapshot(0, null, message);
                fingerprint = "error:" + message;
            }

            Publish(read, fingerprint, stop);
            try
            {
                await Task.Delay(_refresh, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Publish(FeedSnapshot read, string fingerprint, CancellationToken stop)
    {
        TaskCompletionSource? changed = null;
        lock (_gate)
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            var version = _current?.Version ?? 0;
            if (fingerprint != _currentFingerprint)
            {
                version++;
                _currentFingerprint = fingerprint;
                changed = _changed;
                _changed = NewSignal();
            }

            // Every read replaces the snapshot (fresh durations for a page that connects now); only a change bumps the version.
            _current = read with { Version = version };
        }

        changed?.TrySetResult();
    }

    private void Leave()
    {
        lock (_gate)
        {
            if (--_listeners == 0 && _polling is { } polling)
            {
                // The loop disposes it when it ends.
                polling.Cancel();
                _polling = null;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the locks of {Backend} failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string backend);

    private sealed class Listener(LockFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Leave();
            }
        }
    }
}
