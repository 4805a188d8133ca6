using Baton.Backends;
using Baton.Redis.Scripts;
using StackExchange.Redis;

namespace Baton.Redis.Waiting;

/// <summary>
/// A pending upgrade of a shared hold. It waits before the queue (it already holds the lock) for the other
/// readers to leave; the release of the last one grants it on the server and publishes one message.
/// </summary>
internal sealed class RedisUpgradeTicket(RedisGrant grant, RedisBackend backend) : AcquisitionTicket
{
    private readonly TaskCompletionSource<LockGrant> _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private bool _done;
    private bool _withdrawing;

    public override Task<LockGrant> Granted => _granted.Task;

    /// <summary>The grant is exclusive now.</summary>
    public void Complete()
    {
        if (TryFinish())
        {
            _granted.TrySetResult(grant);
        }
    }

    /// <summary>The hold was released while upgrading: the upgrade stops, the caller gets "not upgraded".</summary>
    public void Cancel()
    {
        if (TryFinish())
        {
            _granted.TrySetCanceled();
        }
    }

    public void Fail(Exception exception)
    {
        if (TryFinish())
        {
            _granted.TrySetException(exception);
        }
    }

    /// <summary>Asks again whether the upgrade was granted (in case its message was lost); never once withdrawing.</summary>
    public async Task RecheckAsync()
    {
        Task<RedisResult> call;
        lock (_gate)
        {
            if (_done || _withdrawing)
            {
                return;
            }

            call = backend.EvaluateAsync(LuaScripts.Upgrade, [grant.Key.Key], [backend.ChannelPrefix, grant.Lease.Id, "1", backend.Owner, backend.MemberJson]);
        }

        try
        {
            var reply = await call.ConfigureAwait(false);
            if ((long)reply[0] == 1)
            {
                grant.OnUpgradeGranted((long)reply[1]);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The next re-check tries again.
        }
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

            _withdrawing = true;
            call = backend.EvaluateAsync(LuaScripts.WithdrawUpgrade, [grant.Key.Key], [backend.ChannelPrefix, grant.Lease.Id]);
        }

        RedisResult reply;
        try
        {
            reply = await call.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            grant.ClearUpgrade(this);
            Cancel();
            throw backend.Unavailable(e);
        }

        if ((long)reply[0] == 1)
        {
            grant.OnUpgradeGranted((long)reply[1]);
            return !_granted.Task.IsCompletedSuccessfully;
        }

        grant.ClearUpgrade(this);
        Cancel();
        return true;
    }

    private bool TryFinish()
    {
        lock (_gate)
        {
            if (_done)
            {
                return false;
            }

            _done = true;
            return true;
        }
    }
}
