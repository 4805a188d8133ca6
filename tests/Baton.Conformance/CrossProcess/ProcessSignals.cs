using System.Diagnostics;

namespace Baton.Conformance.CrossProcess;

/// <summary>Signals for fault tests (SIGSTOP a holder past its lease, SIGCONT it), through util-linux kill(1).</summary>
public static class ProcessSignals
{
    /// <summary>Sends <paramref name="signal"/> (a name such as STOP or CONT) to <paramref name="pid"/> and waits until kill(1) is done.</summary>
    /// <param name="pid">The process.</param>
    /// <param name="signal">The signal's name without SIG.</param>
    public static void Send(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }
}
