using System.Runtime.InteropServices;

namespace Baton.Reliability.Harness;

/// <summary>kill(2), for the signals <see cref="System.Diagnostics.Process"/> cannot send.</summary>
internal static partial class Signals
{
    public const int Stop = 19;
    public const int Continue = 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when it is gone.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
