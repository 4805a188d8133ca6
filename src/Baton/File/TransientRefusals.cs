using System.Diagnostics;

namespace Baton.Files;

/// <summary>
/// How long a try keeps trying when what refused it is over in microseconds: another try passing the gate (two
/// system calls), or the last user of a file holding all of it while it deletes the file (an unlink and a close).
/// Neither means the name is taken, so reporting it as taken would be false; but either can last (a process
/// stopped or descheduled in between), so a try gives up after <see cref="Grace"/> and is denied.
/// </summary>
internal struct TransientRefusals
{
    /// <summary>Several scheduler time slices: long enough for a process preempted in those few calls to finish them on a busy machine; short beside any timeout a user would give.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(5);

    /// <summary>Refusals answered by spinning; after them the CPU is yielded, for the case where the other process waits for this core.</summary>
    private const int Spins = 8;

    private long _firstRefusal;
    private int _refusals;

    /// <summary>Called at each transient refusal: true once the grace is over (deny), false to try again.</summary>
    public bool GiveUp()
    {
        if (_refusals++ == 0)
        {
            _firstRefusal = Stopwatch.GetTimestamp();
        }
        else if (Stopwatch.GetElapsedTime(_firstRefusal) > Grace)
        {
            return true;
        }

        if (_refusals <= Spins)
        {
            // A few hundred nanoseconds: the other process usually runs on the other core and is nearly done.
            Thread.SpinWait(20);
        }
        else
        {
            Thread.Yield();
        }

        return false;
    }
}
