using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>
/// What baton does when the hold of a running command is lost (a lease not renewed, a session expired, an operator's
/// break): it says so, sends the command SIGTERM, and SIGKILL if the command has not exited <c>--kill-after</c> later.
/// The command must not go on as if it still held the lock, led or belonged to the group: the next holder may
/// already be at work, and a command that ignores SIGTERM would never stop.
/// </summary>
internal sealed class LossResponse : IDisposable
{
    private readonly Hold _hold;
    private readonly SignalRelay _signals;
    private readonly TimeSpan _killAfter;
    private readonly CancellationTokenRegistration _registration;
    private Timer? _kill;
    private volatile bool _happened;

    /// <summary>Watches <paramref name="hold"/>; call after the command has started (<see cref="SignalRelay.Started"/>).</summary>
    /// <param name="hold">What the command runs under.</param>
    /// <param name="signals">The relay that knows the running command.</param>
    /// <param name="killAfter">How long the command has after SIGTERM.</param>
    public LossResponse(Hold hold, SignalRelay signals, TimeSpan killAfter)
    {
        _hold = hold;
        _signals = signals;
        _killAfter = killAfter;
        _registration = hold.LostToken.Register(static state => ((LossResponse)state!).OnLost(), this);
    }

    /// <summary>Whether the hold was lost while the command ran.</summary>
    public bool Happened => _happened;

    /// <summary>Stops watching, and cancels a SIGKILL not yet sent (the relay sends nothing once the command has ended anyway).</summary>
    public void Dispose()
    {
        _registration.Dispose();
        Interlocked.Exchange(ref _kill, null)?.Dispose();
    }

    private void OnLost()
    {
        _happened = true;
        Report.Error($"lost {_hold.Description} ({_hold.LossReason}): it can no longer be guaranteed; sending SIGTERM to the command "
            + $"(SIGKILL if it has not exited within {DurationParser.Format(_killAfter)}).");
        if (!_signals.SendToChild(NativeMethods.SIGTERM))
        {
            return; // It has just ended.
        }

        _kill = new Timer(static state => ((LossResponse)state!).Kill(), this, _killAfter, Timeout.InfiniteTimeSpan);
    }

    private void Kill()
    {
        if (_signals.SendToChild(NativeMethods.SIGKILL))
        {
            Report.Error($"the command did not exit within {DurationParser.Format(_killAfter)} of SIGTERM; sent SIGKILL.");
        }
    }
}
