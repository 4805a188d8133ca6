using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Baton.Etcd.Connection;

/// <summary>
/// The coordinator's lease: granted once, kept alive over one stream with a request every third of the TTL.
/// Ownership is guaranteed only until <c>sent + TTL</c> of the last keep-alive etcd confirmed (a local monotonic
/// deadline: etcd may have counted from a later moment, never an earlier one); the session claims it until
/// <c>sent + 95 % of the TTL</c>, so that the lost token has fired, and its callbacks have had time to run, before
/// etcd can give the keys to anyone else, even with clocks that run at slightly different rates. When that deadline passes
/// unconfirmed, or etcd answers that the lease is gone, <see cref="Lost"/> fires once and the session is over;
/// the backend starts a new one for later acquisitions.
/// </summary>
internal sealed class LeaseSession : IAsyncDisposable
{
    private readonly EtcdConnection _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly ITimer _watchdog;
    private readonly Task _keepAlive;
    private long _confirmedUntil;
    private int _ended;

    private LeaseSession(EtcdConnection connection, long leaseId, TimeSpan ttl, long grantedAt, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _time = time;
        _logger = logger;
        _ttl = ttl;
        LeaseId = leaseId;
        _confirmedUntil = grantedAt + ToTicks(Claimed(ttl));
        _watchdog = time.CreateTimer(_ => CheckDeadline(), null, Claimed(ttl), Timeout.InfiniteTimeSpan);
        _keepAlive = Task.Run(KeepAliveAsync);
    }

    /// <summary>The lease every key of this session is attached to.</summary>
    public long LeaseId { get; }

    /// <summary>The lease id as etcd's own tools write it into lock keys: lower-case hex.</summary>
    public string LeaseHex => LeaseId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Fires once the lease can no longer be confirmed alive (or was revoked by <see cref="DisposeAsync"/>).</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Why the session ended, once <see cref="IsLost"/>.</summary>
    public LossReason LossReason { get; private set; } = LossReason.LeaseExpired;

    /// <summary>Grants the lease and starts keeping it alive; the coordinator's first session fails at once if no endpoint accepts a connection.</summary>
    public static async Task<LeaseSession> StartAsync(EtcdConnection connection, TimeSpan ttl, TimeProvider time, ILogger logger, bool first, CancellationToken cancellationToken)
    {
        var sentAt = time.GetTimestamp();
        var granted = await connection.RunAsync(
            options => connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)ttl.TotalSeconds }, options),
            cancellationToken,
            TimeSpan.FromSeconds(10),
            waitForReady: !first).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(granted.Error))
        {
            throw new InvalidOperationException($"etcd refused a lease: {granted.Error}");
        }

        return new LeaseSession(connection, granted.ID, TimeSpan.FromSeconds(granted.TTL), sentAt, time, logger);
    }

    private async Task KeepAliveAsync()
    {
        var interval = _ttl / 3;
        while (!_stop.IsCancellationRequested && !IsLost)
        {
            try
            {
                using var call = _connection.Lease.LeaseKeepAlive(_connection.Call(_stop.Token));
                var sent = new Queue<long>();
                var reader = Task.Run(async () =>
                {
                    await foreach (var response in call.ResponseStream.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                    {
                        long sentAt;
                        lock (sent)
                        {
                            sentAt = sent.Count > 0 ? sent.Dequeue() : _time.GetTimestamp();
                        }

                        if (response.TTL <= 0)
                        {
                            End(LossReason.LeaseExpired, "etcd says the lease is gone");
                            return;
                        }

                        Confirm(sentAt + ToTicks(Claimed(TimeSpan.FromSeconds(response.TTL))));
                    }
                });

                while (!_stop.IsCancellationRequested && !IsLost && !reader.IsCompleted)
                {
                    lock (sent)
                    {
                        sent.Enqueue(_time.GetTimestamp());
                    }

                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }, _stop.Token).ConfigureAwait(false);
                    await Task.WhenAny(reader, Task.Delay(interval, _time, _stop.Token)).ConfigureAwait(false);
                }

                await reader.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                Log.KeepAliveBroke(_logger, e, LeaseId);
            }

            // Retry a broken stream soon, but not in a tight loop: a third of the keep-alive interval.
            try
            {
                await Task.Delay(interval / 3, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Confirm(long until)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _confirmedUntil);
            if (until <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _confirmedUntil, until, current) != current);

        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), until);
        _watchdog.Change(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Checks the deadline now rather than when the timer fires: true when the lease may have expired. etcd counts
    /// a lease from when it received the keep-alive, never before it was sent, so when etcd deletes our keys for an
    /// expired lease, this deadline has passed already.
    /// </summary>
    public bool CheckExpired()
    {
        CheckDeadline();
        return IsLost;
    }

    private void CheckDeadline()
    {
        var until = Interlocked.Read(ref _confirmedUntil);
        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), until);
        if (remaining > TimeSpan.Zero)
        {
            _watchdog.Change(remaining, Timeout.InfiniteTimeSpan);
            return;
        }

        End(LossReason.LeaseExpired, "no keep-alive was confirmed before the lease could have expired");
    }

    private void End(LossReason reason, string why)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        LossReason = reason;
        if (reason != LossReason.CoordinatorDisposed)
        {
            Log.LeaseLost(_logger, LeaseId, _connection.DisplayUrl, why);
        }

        _lost.Cancel();
    }

    /// <summary>How long after a confirmed keep-alive was sent the session claims the lease: a twentieth short of the TTL.</summary>
    private static TimeSpan Claimed(TimeSpan ttl) => ttl - (ttl / 20);

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>Stops keeping the lease alive and revokes it (best effort): etcd deletes every key attached to it.</summary>
    public async ValueTask DisposeAsync()
    {
        End(LossReason.CoordinatorDisposed, "the coordinator was disposed");
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _keepAlive.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await _connection.RunAsync(
                options => _connection.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = LeaseId }, options),
                CancellationToken.None,
                TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            Log.RevokeFailed(_logger, e, LeaseId);
        }

        // _lost stays undisposed: grants may still read its token after the coordinator is gone.
        _stop.Dispose();
    }
}
