using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Baton.ZooKeeper.Client.Watches;

/// <summary>
/// Calls watchers and state-change handlers one at a time, in the order the client saw the events, on a task of its
/// own: the receive loop never waits for user code, and user code never runs under the client's locks.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly Channel<Notification> _queue = Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _loop;

    public EventDispatcher(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public void Watch(ZooKeeperWatcher watcher, WatchedEvent watchedEvent) =>
        _queue.Writer.TryWrite(new Notification(watcher, watchedEvent, null, default));

    public void State(Action<ZooKeeperConnectionState> handler, ZooKeeperConnectionState state) =>
        _queue.Writer.TryWrite(new Notification(null, null, handler, state));

    /// <summary>Stops taking events; those queued are still delivered.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        await foreach (var notification in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (notification.Watcher is { } watcher)
                {
                    watcher(notification.Event!);
                }
                else
                {
                    notification.Handler!(notification.State);
                }
            }
#pragma warning disable CA1031 // a user's callback must not stop the delivery of other events
            catch (Exception exception)
#pragma warning restore CA1031
            {
                ClientLog.CallbackFailed(_logger, exception, notification.Event?.Path);
            }
        }
    }

    private readonly record struct Notification(ZooKeeperWatcher? Watcher, WatchedEvent? Event, Action<ZooKeeperConnectionState>? Handler, ZooKeeperConnectionState State);
}
