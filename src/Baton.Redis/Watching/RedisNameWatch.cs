using Baton.Backends;
using Baton.Redis.Keys;
using StackExchange.Redis;

namespace Baton.Redis.Watching;

/// <summary>
/// A watch of one group. It wakes on the message every change of the group publishes on the group's notice channel
/// (see <see cref="Scripts.LuaScripts"/>), when the earliest lease of the group's members could have ended (a member
/// that crashed publishes nothing: its hold ends when someone touches the name after its lease, and the read that
/// follows this wake is that touch), and when the connection failed or came back (messages may have been missed).
/// </summary>
internal sealed class RedisNameWatch : NameWatch
{
    /// <summary>How long after the lease deadline the reply named the wake comes, so the lease has surely ended.</summary>
    private static readonly TimeSpan DueSlack = TimeSpan.FromMilliseconds(50);

    private readonly RedisBackend _backend;
    private readonly Lock _gate = new();
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private TaskCompletionSource? _waiting;
    private bool _pending;
    private bool _disposed;
    private long _dueAt = long.MaxValue;

    private RedisNameWatch(RedisBackend backend, NameKey key)
    {
        _backend = backend;
        Key = key;
        Channel = RedisChannel.Literal(key.Text + ":n");
        _onMessage = (_, _) => Signal();
    }

    /// <summary>The name watched.</summary>
    public NameKey Key { get; }

    /// <summary>The name's notice channel.</summary>
    public RedisChannel Channel { get; }

    /// <summary>Subscribes the name's notice channel; once this returns, every later change wakes the watch.</summary>
    public static async ValueTask<RedisNameWatch> StartAsync(RedisBackend backend, NameKey key, CancellationToken cancellationToken)
    {
        var watch = new RedisNameWatch(backend, key);
        backend.Watches.Add(watch);
        try
        {
            await backend.Subscriber.SubscribeAsync(watch.Channel, watch._onMessage).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return watch;
    }

    /// <summary>The name may have changed (a notice, a connection that failed or came back, the coordinator closing).</summary>
    public void Signal()
    {
        TaskCompletionSource? waiting;
        lock (_gate)
        {
            _pending = true;
            waiting = _waiting;
            _waiting = null;
        }

        waiting?.TrySetResult();
    }

    /// <summary>
    /// A read of the name answered at <paramref name="receivedAt"/>: the earliest lease of its holders and waiters ends
    /// <paramref name="dueMilliseconds"/> later unless renewed; null when nobody holds or waits.
    /// </summary>
    public void OnRead(long receivedAt, long? dueMilliseconds)
    {
        var dueAt = dueMilliseconds is { } due
            ? receivedAt + (long)((TimeSpan.FromMilliseconds(Math.Max(0, due)) + DueSlack).TotalSeconds * _backend.Clock.TimestampFrequency)
            : long.MaxValue;
        lock (_gate)
        {
            _dueAt = dueAt;
        }
    }

    public override async ValueTask WaitForChangeAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiting;
        long dueAt;
        lock (_gate)
        {
            if (_pending || _disposed)
            {
                _pending = false;
                return;
            }

            waiting = _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            dueAt = _dueAt;
        }

        try
        {
            if (dueAt == long.MaxValue)
            {
                await waiting.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var delay = TimeSpan.FromSeconds(Math.Max(0, dueAt - _backend.Clock.GetTimestamp()) / (double)_backend.Clock.TimestampFrequency);
                await waiting.Task.WaitAsync(delay, _backend.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // The lease deadline passed: the caller's read ends the lease if nobody renewed it.
        }

        // Woken: whatever was signalled until now is covered by the read that follows. A cancelled wait (which
        // throws above) leaves a signal that raced it pending for the next wait.
        lock (_gate)
        {
            _pending = false;
            if (_waiting == waiting)
            {
                _waiting = null;
            }

            if (_dueAt == dueAt)
            {
                _dueAt = long.MaxValue;
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _backend.Watches.Remove(this);
        Signal();
        try
        {
            await _backend.Subscriber.UnsubscribeAsync(Channel, _onMessage).WaitAsync(TimeSpan.FromSeconds(1), _backend.Clock).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Closing the connection ends the subscription anyway, and a stray notice only wakes nobody.
        }
    }
}
