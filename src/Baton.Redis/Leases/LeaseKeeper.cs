using System.Collections.Concurrent;
using Baton.Redis.Diagnostics;
using Baton.Redis.Scripts;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Baton.Redis.Leases;

/// <summary>
/// The one renewal loop of a coordinator: every third of the TTL it renews every lease it keeps, in batches of one
/// script call each (pipelined on the one connection), and in between it wakes only for deadlines — a hold whose
/// renewal could not be confirmed in time, or a wait due for its safety re-check. No timer per lock.
/// </summary>
internal sealed class LeaseKeeper : IAsyncDisposable
{
    private const int BatchSize = 256;

    private readonly ConcurrentDictionary<string, ILeaseHolder> _entries = new(StringComparer.Ordinal);
    private readonly RedisBackend _backend;
    private readonly TimeProvider _clock;
    private readonly long _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly ManualResetEventSlim _wake = new(initialState: false);
    private Thread? _thread;

    public LeaseKeeper(RedisBackend backend, TimeProvider clock, TimeSpan ttl, ILogger logger)
    {
        _backend = backend;
        _clock = clock;
        _logger = logger;
        _interval = Math.Max(1, (long)(ttl.TotalSeconds / 3 * clock.TimestampFrequency));
    }

    /// <summary>How many leases are kept.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Starts the loop on a thread of its own: renewals must reach the server on time even when the application
    /// floods the thread pool (a starved pool would otherwise let leases run out under live holders).
    /// </summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "Baton.Redis lease keeper" };
        _thread.Start();
    }

    public void Add(ILeaseHolder holder) => _entries[holder.Lease.Id] = holder;

    /// <summary>Replaces whatever keeps the id's lease (a wait that became a hold).</summary>
    public void Replace(ILeaseHolder holder) => _entries[holder.Lease.Id] = holder;

    public void Remove(ILeaseHolder holder) => _entries.TryRemove(new KeyValuePair<string, ILeaseHolder>(holder.Lease.Id, holder));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            // The loop notices the stop within one wait; joining off the caller's thread keeps DisposeAsync asynchronous.
            await Task.Factory.StartNew(thread.Join, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }

        _stop.Dispose();
        _wake.Dispose();
    }

    private void Run()
    {
        var nextRenewal = _clock.GetTimestamp() + _interval;
        var wake = nextRenewal;
        while (!_stop.IsCancellationRequested)
        {
            var now = _clock.GetTimestamp();
            if (wake > now)
            {
                if (!Sleep(wake - now))
                {
                    break;
                }

                now = _clock.GetTimestamp();
            }

            if (now >= nextRenewal)
            {
                // Every interval, whether or not the previous round's replies were processed yet: their continuations
                // need the thread pool, and a busy pool must not keep renewals from the server. Issued from this
                // thread, so every batch's request is written before the first await.
                _ = RenewAllAsync();
                nextRenewal = now + _interval;
            }

            wake = nextRenewal;
            foreach (var entry in _entries.Values)
            {
                long next;
                try
                {
                    next = entry.OnTick(now);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    RedisLog.LeaseCheckFailed(_logger, entry.Lease.Key.Name, e);
                    continue;
                }

                if (next < wake)
                {
                    wake = Math.Max(next, now + 1);
                }
            }
        }
    }

    /// <summary>
    /// Sleeps this thread for <paramref name="ticks"/>; false once stopping. The system clock is waited on directly
    /// (no timer callback through the thread pool); any other <see cref="TimeProvider"/> (a fake clock in tests)
    /// through one of its timers.
    /// </summary>
    private bool Sleep(long ticks)
    {
        var delay = TimeSpan.FromSeconds((double)ticks / _clock.TimestampFrequency);
        try
        {
            if (ReferenceEquals(_clock, TimeProvider.System))
            {
                _wake.Wait(delay, _stop.Token);
            }
            else
            {
                _wake.Reset();
                using var timer = _clock.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), _wake, delay, Timeout.InfiniteTimeSpan);
                _wake.Wait(_stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return !_stop.IsCancellationRequested;
    }

    private async Task RenewAllAsync()
    {
        var all = _entries.Values.ToArray();
        if (all.Length == 0)
        {
            return;
        }

        var batches = new List<Task>((all.Length / BatchSize) + 1);
        for (var start = 0; start < all.Length; start += BatchSize)
        {
            batches.Add(RenewBatchAsync(new ArraySegment<ILeaseHolder>(all, start, Math.Min(BatchSize, all.Length - start))));
        }

        await Task.WhenAll(batches).ConfigureAwait(false);
    }

    private async Task RenewBatchAsync(ArraySegment<ILeaseHolder> batch)
    {
        var keys = new RedisKey[batch.Count + 1];
        var values = new RedisValue[batch.Count + 2];
        keys[0] = _backend.IndexKey;
        values[0] = _backend.ChannelPrefix;
        values[1] = _backend.TtlMilliseconds;
        for (var i = 0; i < batch.Count; i++)
        {
            keys[i + 1] = batch[i].Lease.Key.Key;
            values[i + 2] = batch[i].Lease.Id;
        }

        var sentAt = _clock.GetTimestamp();
        RedisResult reply;
        try
        {
            reply = await _backend.EvaluateAsync(LuaScripts.Renew, keys, values).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Not confirmed: the holds' deadlines stay where they were, and the loop ends them when they pass.
            RedisLog.RenewalFailed(_logger, batch.Count, e);
            return;
        }

        for (var i = 0; i < batch.Count && i < reply.Length; i++)
        {
            if ((long)reply[i] == 1)
            {
                batch[i].Lease.Confirm(sentAt);
            }
            else
            {
                batch[i].OnRenewalRefused();
            }
        }
    }
}
