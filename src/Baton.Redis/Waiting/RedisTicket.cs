using Baton.Backends;
using Baton.Redis.Introspection;
using Baton.Redis.Keys;
using Baton.Redis.Leases;
using Baton.Redis.Scripts;
using StackExchange.Redis;

namespace Baton.Redis.Waiting;

/// <summary>
/// A place in a name's FIFO queue on the server. The release that lets it in grants it inside the same script and
/// publishes one message on this coordinator's wake channel, so nobody else wakes. Against a lost message (or a
/// holder that died without releasing) the ticket re-checks once the earliest lease of the name could have ended —
/// a deadline the server names, at most one TTL away — never on a fixed polling period. Its queue entry is a lease
/// the keeper renews, so a waiter that dies leaves the queue within the TTL.
/// </summary>
internal sealed class RedisTicket : AcquisitionTicket, ILeaseHolder
{
    /// <summary>How long after the deadline the server named the re-check runs, so the lease has surely ended.</summary>
    private static readonly TimeSpan RecheckSlack = TimeSpan.FromMilliseconds(50);

    // Continuations run where the grant completes: on the thread-pool thread that delivered the wake message (the
    // handoff saves a hop). Failures and cancellations complete through the pool instead, never inline on the thread
    // that disposes the coordinator or withdraws.
    private readonly TaskCompletionSource<LockGrant> _granted = new();
    private readonly RedisBackend _backend;
    private readonly Lock _gate = new();
    private readonly LockMode _mode;
    private readonly int _maxCount;
    private readonly string _member;
    private bool _done;
    private bool _withdrawing;
    private bool _rechecking;
    private long _recheckAt = long.MaxValue;

    public RedisTicket(RedisBackend backend, NameKey key, string id, LockMode mode, int maxCount, string member)
    {
        _backend = backend;
        _mode = mode;
        _maxCount = maxCount;
        _member = member;
        Key = key;
        Lease = new Lease(id, key, backend.Clock.GetTimestamp(), backend.TtlTicks);
    }

    public NameKey Key { get; }

    public Lease Lease { get; }

    public override Task<LockGrant> Granted => _granted.Task;

    /// <summary>The server queued the request; <paramref name="hintMilliseconds"/> is when the name's earliest lease could end.</summary>
    public void OnQueued(long sentAt, long hintMilliseconds)
    {
        Lease.Confirm(sentAt);
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            _recheckAt = sentAt + RecheckDelay(hintMilliseconds);
        }

        _backend.Keeper.Add(this);
    }

    /// <summary>The server granted the request (a wake message, a re-check, or a withdrawal that came too late).</summary>
    public void OnGranted(long token, TakeoverNotice? takeover)
    {
        RedisGrant grant;
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            grant = new RedisGrant(_backend, Key, Lease, _mode, token, takeover);
            _backend.Adopt(grant);
        }

        _backend.Forget(this);
        _granted.TrySetResult(grant);
    }

    public override async ValueTask<bool> WithdrawAsync()
    {
        Task<RedisResult> call;
        lock (_gate)
        {
            if (_done)
            {
                return !_granted.Task.IsCompletedSuccessfully;
            }

            // From here on no re-check is sent, so none can queue this id again behind the withdrawal.
            _withdrawing = true;
            call = _backend.EvaluateAsync(LuaScripts.Withdraw, [Key.Key, _backend.IndexKey], [_backend.ChannelPrefix, Lease.Id]);
        }

        RedisResult reply;
        try
        {
            reply = await call.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Fail(new OperationCanceledException("The wait was withdrawn."));
            throw _backend.Unavailable(e);
        }

        if ((long)reply[0] == 1)
        {
            OnGranted((long)reply[1], Records.ParseTakeover((string?)reply[3], (long)reply[2], _backend.Clock.GetUtcNow()));
            return !_granted.Task.IsCompletedSuccessfully;
        }

        lock (_gate)
        {
            _done = true;
        }

        _backend.Keeper.Remove(this);
        _backend.Forget(this);
        ThreadPool.UnsafeQueueUserWorkItem(static granted => granted.TrySetCanceled(), _granted, preferLocal: false);
        return true;
    }

    /// <summary>Ends the wait with an error (the coordinator closed, or the server refused).</summary>
    public void Fail(Exception exception)
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            _done = true;
        }

        _backend.Keeper.Remove(this);
        _backend.Forget(this);
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Granted.TrySetException(state.Exception), (Granted: _granted, Exception: exception), preferLocal: false);
    }

    public long OnTick(long now)
    {
        lock (_gate)
        {
            if (_done)
            {
                return long.MaxValue;
            }

            if (now < _recheckAt || _rechecking || _withdrawing)
            {
                return _rechecking || _withdrawing ? now + Lease.TtlTicks : _recheckAt;
            }

            _rechecking = true;
            _recheckAt = now + Lease.TtlTicks;
        }

        _ = RecheckAsync();
        return now + Lease.TtlTicks;
    }

    public void OnRenewalRefused()
    {
        // The queue entry ended (this process stalled past its lease): re-check at once, which queues it again.
        lock (_gate)
        {
            _recheckAt = 0;
        }
    }

    private long RecheckDelay(long hintMilliseconds) =>
        (long)((TimeSpan.FromMilliseconds(Math.Max(0, hintMilliseconds)) + RecheckSlack).TotalSeconds * _backend.Clock.TimestampFrequency);

    /// <summary>Runs the acquisition again with the same id: granted, still queued (the lease renewed), or queued anew.</summary>
    private async Task RecheckAsync()
    {
        Task<RedisResult> call;
        long sentAt;
        lock (_gate)
        {
            if (_done || _withdrawing)
            {
                _rechecking = false;
                return;
            }

            sentAt = _backend.Clock.GetTimestamp();
            call = _backend.EvaluateAsync(LuaScripts.Acquire, [Key.Key, _backend.IndexKey], _backend.AcquireArguments(Lease.Id, _mode, wait: true, _maxCount, _member));
        }

        try
        {
            var reply = await call.ConfigureAwait(false);
            switch ((long)reply[0])
            {
                case 1:
                    OnGranted((long)reply[1], Records.ParseTakeover((string?)reply[3], (long)reply[2], _backend.Clock.GetUtcNow()));
                    return;
                case 2:
                    Lease.Confirm(sentAt);
                    lock (_gate)
                    {
                        _recheckAt = sentAt + RecheckDelay((long)reply[1]);
                    }

                    break;
                case -1:
                    Fail(RedisBackend.CountMismatch(Key.Name, (long)reply[1], _maxCount));
                    return;
                default:
                    break;
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            lock (_gate)
            {
                _recheckAt = _backend.Clock.GetTimestamp() + (Lease.TtlTicks / 3);
            }
        }
        finally
        {
            lock (_gate)
            {
                _rechecking = false;
            }
        }
    }
}
