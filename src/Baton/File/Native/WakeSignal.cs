using System.Runtime.InteropServices;

namespace Baton.Files.Native;

/// <summary>
/// A real-time signal whose only purpose is to make a blocking system call (<c>F_OFD_SETLKW</c>,
/// <c>flock</c>, <c>poll</c>) on one of our waiting threads return <c>EINTR</c>, so a cancelled wait
/// ends at once instead of being polled. The handler is installed once per process, without
/// <c>SA_RESTART</c> (so the call is not restarted), on the highest free real-time signal: .NET itself
/// uses <c>SIGRTMIN</c>, and a signal somebody else already handles is never taken. The handler is
/// <c>getpid</c> from libc: async-signal-safe and harmless, so no managed code runs in signal context.
/// </summary>
internal static class WakeSignal
{
    private static readonly Lazy<int> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The signal number, installing the handler on first use.</summary>
    public static int Number => Installed.Value;

    /// <summary>Called on a waiting thread before it blocks: makes sure the signal is not blocked there.</summary>
    public static void UnblockOnThisThread()
    {
        var set = default(SigSet);
        set.Add(Number);
        _ = Libc.PthreadSigmask(Libc.SIG_UNBLOCK, set, 0);
    }

    private static int Install()
    {
        var libc = NativeLibrary.TryLoad("libc.so.6", out var glibc) ? glibc : NativeLibrary.Load("libc", typeof(WakeSignal).Assembly, null);
        var handler = NativeLibrary.GetExport(libc, "getpid");
        var min = Libc.SigRtMin();
        for (var signal = Libc.SigRtMax() - 1; signal > min + 2; signal--)
        {
            if (Libc.SigActionQuery(signal, 0, out var old) != 0 || old.Handler != 0)
            {
                continue; // In use (or not queryable): leave it to its owner.
            }

            var action = new SigActionStruct { Handler = handler, Flags = 0 };
            if (Libc.SigAction(signal, action, 0) == 0)
            {
                return signal;
            }
        }

        throw new PlatformNotSupportedException("No free real-time signal is left to wake the file backend's waiting threads.");
    }
}
