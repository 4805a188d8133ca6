namespace Baton.Internal;

/// <summary>
/// Stamps for "held since" and "waiting since". Reading the precise clocks costs about as much as a
/// whole uncontended acquisition here, while listings need milliseconds at best, so with the system
/// clock a stamp is the coarse tick count, turned into a time only when someone lists. Any other
/// <see cref="TimeProvider"/> (a fake clock in tests) is used as it is.
/// </summary>
internal static class HoldClock
{
    public static long Stamp(TimeProvider clock) =>
        ReferenceEquals(clock, TimeProvider.System) ? Environment.TickCount64 : clock.GetUtcNow().UtcTicks;

    public static DateTimeOffset ToTime(long stamp, TimeProvider clock) =>
        ReferenceEquals(clock, TimeProvider.System)
            ? clock.GetUtcNow() - TimeSpan.FromMilliseconds(Math.Max(0, Environment.TickCount64 - stamp))
            : new DateTimeOffset(stamp, TimeSpan.Zero);
}
