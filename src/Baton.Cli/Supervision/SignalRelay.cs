using System.Runtime.InteropServices;
using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP during <c>baton run</c>, <c>elect</c> and <c>join</c>, with the runtime's default
/// handling (terminate) cancelled, so the lock, leadership or membership is given up on every path out:
/// <list type="bullet">
/// <item>while connecting or waiting: stop waiting (<see cref="StopWaiting"/>); baton exits with 128 + the signal's number;</item>
/// <item>between acquiring and starting the command: the command is not started; same exit code;</item>
/// <item>while the command runs: passed on to it; baton waits for it and exits with its exit code.</item>
/// </list>
/// A SIGINT is not passed on when baton runs in the foreground process group of its terminal: a Ctrl-C
/// there has already reached the command, which is in the same group, and would otherwise arrive twice.
/// </summary>
internal sealed class SignalRelay : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopWaiting = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly List<int> _pending = [];
    private Phase _phase = Phase.Waiting;
    private int _signal;
    private RunningCommand? _child;

    /// <summary>Registers the handlers.</summary>
    public SignalRelay()
    {
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP])
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    private enum Phase
    {
        Waiting,
        Starting,
        Running,
        Done,
    }

    /// <summary>Fires at the first signal before the command has started.</summary>
    public CancellationToken StopWaiting => _stopWaiting.Token;

    /// <summary>The number of the first signal that arrived before the command started, or 0.</summary>
    public int Received
    {
        get
        {
            lock (_gate)
            {
                return _signal;
            }
        }
    }

    /// <summary>Enters the starting phase; false when a signal already asked baton to stop.</summary>
    public bool TryBeginStart()
    {
        lock (_gate)
        {
            if (_signal != 0)
            {
                return false;
            }

            _phase = Phase.Starting;
            return true;
        }
    }

    /// <summary>From now on signals go to <paramref name="child"/>; those that came while it was being started go now.</summary>
    /// <param name="child">The command's process.</param>
    public void Started(RunningCommand child)
    {
        lock (_gate)
        {
            _child = child;
            _phase = Phase.Running;
            foreach (var signal in _pending)
            {
                _ = Forward(signal);
            }

            _pending.Clear();
        }
    }

    /// <summary>Sends a signal to the command while it runs (used when the hold is lost); false when it no longer runs.</summary>
    /// <param name="signal">The signal's number.</param>
    public bool SendToChild(int signal)
    {
        lock (_gate)
        {
            return _phase == Phase.Running && Forward(signal, fromTerminal: false);
        }
    }

    /// <summary>The command has ended (or could not start): later signals are ignored while baton releases and exits.</summary>
    public void Finished()
    {
        lock (_gate)
        {
            _phase = Phase.Done;
            _child = null;
        }
    }

    /// <summary>Unregisters the handlers, restoring the default handling.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopWaiting.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var number = context.Signal switch
        {
            PosixSignal.SIGINT => NativeMethods.SIGINT,
            PosixSignal.SIGTERM => NativeMethods.SIGTERM,
            _ => NativeMethods.SIGHUP,
        };

        var stop = false;
        lock (_gate)
        {
            switch (_phase)
            {
                case Phase.Waiting:
                    if (_signal == 0)
                    {
                        _signal = number;
                        stop = true;
                    }

                    break;
                case Phase.Starting:
                    _pending.Add(number);
                    break;
                case Phase.Running:
                    _ = Forward(number);
                    break;
                case Phase.Done:
                    break;
            }
        }

        if (stop)
        {
            _stopWaiting.Cancel();
        }
    }

    private bool Forward(int signal, bool fromTerminal = true)
    {
        if (_child is not { } child || child.HasEnded)
        {
            return false;
        }

        if (fromTerminal && signal == NativeMethods.SIGINT && Terminal.InForegroundGroup)
        {
            return false; // The terminal sent it to the whole foreground group, the command included.
        }

        return NativeMethods.Kill(child.Id, signal) == 0;
    }
}
