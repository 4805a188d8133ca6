namespace Baton.Reliability.Checking;

/// <summary>How a critical section ended, as far as the history can tell.</summary>
public enum SectionOutcome
{
    /// <summary>BEGIN and END, the handle not lost, the process never paused in between: the hold was exclusive by contract.</summary>
    Clean,

    /// <summary>Killed (SIGKILL) inside the section: it ended for certain at the kill.</summary>
    Killed,

    /// <summary>END reported the handle lost: from some moment on, the lock no longer guaranteed anything.</summary>
    Lost,

    /// <summary>The process was paused (SIGSTOP) inside the section: it may have outlived its lease, which no lease can prevent; fencing must catch its writes.</summary>
    Paused,

    /// <summary>No END and no kill (the run's time limit ended it): when it ended is unknown.</summary>
    Unfinished,
}

/// <summary>One critical section: a BEGIN record and what followed it.</summary>
/// <param name="Pid">The holder.</param>
/// <param name="Iteration">The holder's iteration.</param>
/// <param name="Token">The fencing token, or -1 without one.</param>
/// <param name="Begin">CLOCK_MONOTONIC ns at BEGIN.</param>
/// <param name="End">CLOCK_MONOTONIC ns at END, or at the kill; null when unknown.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="WriteResult">The detail of its counter write (accepted, rejected, stale), or null when none was recorded.</param>
public sealed record Section(int Pid, int Iteration, long Token, long Begin, long? End, SectionOutcome Outcome, string? WriteResult)
{
    /// <summary>Whether its interval is known and exclusive by contract, so an overlap with it is a violation.</summary>
    public bool IsDefinite => Outcome is SectionOutcome.Clean or SectionOutcome.Killed;

    /// <summary>Whether the two sections' holds overlap in time (an unknown end lasts forever).</summary>
    public bool Overlaps(Section other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Begin < (other.End ?? long.MaxValue) && other.Begin < (End ?? long.MaxValue);
    }
}
