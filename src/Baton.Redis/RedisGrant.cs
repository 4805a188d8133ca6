using Baton.Backends;
using Baton.Redis.Keys;
using Baton.Redis.Leases;
using Baton.Redis.Scripts;
using Baton.Redis.Waiting;
using StackExchange.Redis;

namespace Baton.Redis;

/// <summary>
/// One hold of a name on the server, kept by the coordinator's lease keeper. Lost when a renewal cannot be
/// confirmed before the lease could have expired, when a renewal finds the hold gone, or when the server says it
/// was broken. Upgrade and downgrade change it in place.
/// </summary>
internal sealed class RedisGrant : LockGrant, ILeaseHolder
{
    private readonly RedisBackend _backend;
    private readonly Lock _gate = new();
    private volatile LockMode _mode;
    private int _ended;
    private RedisUpgradeTicket? _upgrade;
    private long _upgradeRecheckAt = long.MaxValue;

    public RedisGrant(RedisBackend backend, NameKey key, Lease lease, LockMode mode, long fencingToken, TakeoverNotice? takeover)
        : base(fencingToken, takeover)
    {
        _backend = backend;
        Key = key;
        Lease = lease;
        _mode = mode;
    }

    public NameKey Key { get; }

    public Lease Lease { get; }

    public override LockMode Mode => _mode;

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>Marks the hold ended, once; false when it already was.</summary>
    public bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    public override async ValueTask ReleaseAsync()
    {
        if (!TryEnd())
        {
            return;
        }

        _backend.Forget(this);
        TakeUpgrade()?.Cancel();
        var keys = new RedisKey[] { Key.Key, _backend.IndexKey };
        var values = new RedisValue[] { _backend.ChannelPrefix, Lease.Id };
        if (IsLost || _backend.IsDisposed)
        {
            // Ownership is gone already (or the server is unreachable): tidy up if the server still has it, without waiting.
            try
            {
                _ = _backend.EvaluateAsync(LuaScripts.Release, keys, values, CommandFlags.FireAndForget);
            }
            catch (Exception e) when (e is RedisException or ObjectDisposedException)
            {
                // The lease ends it.
            }

            return;
        }

        try
        {
            await _backend.EvaluateAsync(LuaScripts.Release, keys, values).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw _backend.Unavailable(e);
        }
    }

    public override async ValueTask<AcquisitionStart> StartUpgradeAsync(bool wait, CancellationToken cancellationToken)
    {
        RedisUpgradeTicket? ticket = null;
        lock (_gate)
        {
            ThrowIfEnded();
            if (_mode != LockMode.Shared)
            {
                return AcquisitionStart.Granted(this);
            }

            if (wait)
            {
                // Registered before the request is sent: the upgrade's message may arrive before the reply.
                ticket = new RedisUpgradeTicket(this, _backend);
                _upgrade = ticket;
                _upgradeRecheckAt = _backend.Clock.GetTimestamp() + Lease.TtlTicks;
            }
        }

        RedisResult reply;
        try
        {
            reply = await _backend.EvaluateAsync(
                LuaScripts.Upgrade, [Key.Key], [_backend.ChannelPrefix, Lease.Id, wait ? "1" : "0", _backend.Owner, _backend.MemberJson]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            ClearUpgrade(ticket);
            throw _backend.Unavailable(e);
        }

        switch ((long)reply[0])
        {
            case 1:
                ClearUpgrade(ticket);
                SetExclusive((long)reply[1]);
                ticket?.Cancel();
                return AcquisitionStart.Granted(this);
            case 2:
                return AcquisitionStart.Queued(ticket!);
            case -2:
                ClearUpgrade(ticket);
                throw new InvalidOperationException($"'{Key.Name}' is no longer held by this handle ({LossReason?.ToString() ?? "its lease ended"}).");
            case -3:
                ClearUpgrade(ticket);
                throw new DeadlockException(
                    $"Two readers of '{Key.Name}' tried to upgrade at once; each would wait for the other to leave. Release the read lock and take the write lock instead, or let one reader upgrade at a time.");
            default:
                ClearUpgrade(ticket);
                return AcquisitionStart.Denied;
        }
    }

    public override async ValueTask DowngradeAsync(CancellationToken cancellationToken)
    {
        ThrowIfEnded();
        if (_mode != LockMode.Exclusive)
        {
            return;
        }

        RedisResult reply;
        try
        {
            reply = await _backend.EvaluateAsync(LuaScripts.Downgrade, [Key.Key], [_backend.ChannelPrefix, Lease.Id]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw _backend.Unavailable(e);
        }

        if ((long)reply == -2)
        {
            throw new InvalidOperationException($"'{Key.Name}' is no longer held by this handle ({LossReason?.ToString() ?? "its lease ended"}).");
        }

        _mode = LockMode.Shared;
    }

    public long OnTick(long now)
    {
        if (IsEnded || IsLost)
        {
            return long.MaxValue;
        }

        var deadline = Lease.ValidUntil - (Lease.TtlTicks / 20);
        if (now >= deadline)
        {
            // Off the keeper's thread: lost-token callbacks are the application's code, and must not delay renewals.
            _backend.Forget(this);
            var reason = _backend.IsConnected ? Baton.LossReason.LeaseExpired : Baton.LossReason.ConnectionLost;
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Grant.Lose(state.Reason), (Grant: this, Reason: reason), preferLocal: false);
            return long.MaxValue;
        }

        var recheck = Volatile.Read(ref _upgradeRecheckAt);
        if (now >= recheck && Volatile.Read(ref _upgrade) is { } upgrade)
        {
            // Safety re-check of a pending upgrade, in case its message was lost.
            Volatile.Write(ref _upgradeRecheckAt, now + Lease.TtlTicks);
            _ = upgrade.RecheckAsync();
            recheck = now + Lease.TtlTicks;
        }

        return Math.Min(deadline, recheck);
    }

    public void OnRenewalRefused()
    {
        if (!IsEnded)
        {
            Lose(Baton.LossReason.LeaseExpired);
        }
    }

    /// <summary>Ownership can no longer be guaranteed: stop renewing, end a pending upgrade, fire the lost token.</summary>
    public void Lose(LossReason reason)
    {
        _backend.Forget(this);
        TakeUpgrade()?.Fail(new InvalidOperationException($"'{Key.Name}' was lost ({reason}) while upgrading."));
        SignalLost(reason);
    }

    /// <summary>The coordinator closed and ended this hold on the server.</summary>
    public void OnAbandoned()
    {
        _backend.Forget(this);
        TakeUpgrade()?.Fail(new ObjectDisposedException(nameof(Coordinator), $"The coordinator upgrading '{Key.Name}' was disposed."));
        SignalLost(Baton.LossReason.CoordinatorDisposed);
    }

    /// <summary>The server granted the pending upgrade.</summary>
    public void OnUpgradeGranted(long token)
    {
        var ticket = TakeUpgrade();
        if (ticket is not null)
        {
            SetExclusive(token);
            ticket.Complete();
        }
    }

    /// <summary>The upgrade ticket gave up; it no longer waits.</summary>
    public void ClearUpgrade(RedisUpgradeTicket? ticket)
    {
        if (ticket is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_upgrade == ticket)
            {
                _upgrade = null;
                _upgradeRecheckAt = long.MaxValue;
            }
        }
    }

    /// <summary>Under the ticket's decision: the upgrade was granted with this token.</summary>
    public void SetExclusive(long token)
    {
        FencingToken = token;
        _mode = LockMode.Exclusive;
    }

    private RedisUpgradeTicket? TakeUpgrade()
    {
        lock (_gate)
        {
            var ticket = _upgrade;
            _upgrade = null;
            _upgradeRecheckAt = long.MaxValue;
            return ticket;
        }
    }

    private void ThrowIfEnded()
    {
        if (IsEnded || IsLost)
        {
            throw new InvalidOperationException($"'{Key.Name}' is no longer held by this handle ({LossReason?.ToString() ?? "released"}).");
        }
    }
}
