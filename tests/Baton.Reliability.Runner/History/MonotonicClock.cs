using System.Runtime.InteropServices;

namespace Baton.Reliability.History;

/// <summary>
/// CLOCK_MONOTONIC in nanoseconds, read with clock_gettime(2) itself so that every process of the machine (and the
/// driver) reads the very same clock: history records of different processes compare directly.
/// </summary>
public static partial class MonotonicClock
{
    private const int ClockMonotonic = 1;

    /// <summary>Now, in nanoseconds since an arbitrary point (boot).</summary>
    public static long Nanoseconds
    {
        get
        {
            if (ClockGetTime(ClockMonotonic, out var now) != 0)
            {
                throw new InvalidOperationException($"clock_gettime(CLOCK_MONOTONIC) failed: errno {Marshal.GetLastPInvokeError()}.");
            }

            return (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out TimeSpec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
