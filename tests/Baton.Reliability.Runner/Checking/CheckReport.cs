namespace Baton.Reliability.Checking;

/// <summary>What the checker found in one history.</summary>
public sealed record CheckReport
{
    /// <summary>Acquisitions that concluded: acquired, timed out or failed.</summary>
    public int Attempted { get; init; }

    /// <summary>Acquisitions that succeeded (BEGIN records).</summary>
    public int Acquired { get; init; }

    /// <summary>Acquisitions that timed out.</summary>
    public int TimedOut { get; init; }

    /// <summary>Acquisitions that failed with an error (the backend was down).</summary>
    public int Failed { get; init; }

    /// <summary>Sections whose handle was lost, or whose process was paused inside them (indeterminate).</summary>
    public int Lost { get; init; }

    /// <summary>Sections ended by a kill -9.</summary>
    public int Killed { get; init; }

    /// <summary>Faults (kill, stop, restart records) that landed inside a hold: the holder's own for a kill or stop, anyone's for a restart.</summary>
    public int FaultsInsideHolds { get; init; }

    /// <summary>Pairs of definite sections of different holders that overlap in time: each one a mutual-exclusion violation.</summary>
    public int Overlaps { get; init; }

    /// <summary>Overlapping pairs where one side is lost, paused or unfinished: not violations of the lock's contract, counted apart.</summary>
    public int IndeterminateOverlaps { get; init; }

    /// <summary>Sections (in BEGIN order) whose fencing token is not greater than the one before.</summary>
    public int TokenViolations { get; init; }

    /// <summary>The counter's final value.</summary>
    public long FinalCounter { get; init; }

    /// <summary>Counter writes the history shows accepted.</summary>
    public int AcceptedWrites { get; init; }

    /// <summary>Killed or unfinished sections without a write record: they may or may not have written.</summary>
    public int AmbiguousWrites { get; init; }

    /// <summary>Accepted increments missing from the final counter (a lost update), or increments no section accounts for.</summary>
    public long CounterViolations { get; init; }

    /// <summary>Writes with an older token that the fenced resource rejected.</summary>
    public int StaleRejected { get; init; }

    /// <summary>Writes with an older token that the resource accepted (fencing off): each a violation.</summary>
    public int StaleAccepted { get; init; }

    /// <summary>Milliseconds from each kill -9 of a holder inside its section to the next BEGIN by another process.</summary>
    public IReadOnlyList<double> TakeoverMilliseconds { get; init; } = [];

    /// <summary>Every violation: overlaps, token regressions, counter violations and accepted stale writes.</summary>
    public long Violations => Overlaps + TokenViolations + CounterViolations + StaleAccepted;

    /// <summary>A one-line summary for test messages and logs.</summary>
    public override string ToString() =>
        $"attempted {Attempted}, acquired {Acquired}, timed out {TimedOut}, failed {Failed}, lost {Lost}, killed {Killed}, faults inside a hold {FaultsInsideHolds}; "
        + $"overlaps {Overlaps} (+{IndeterminateOverlaps} with a lost side), token regressions {TokenViolations}, "
        + $"counter {FinalCounter} vs {AcceptedWrites} accepted (+{AmbiguousWrites} ambiguous): {CounterViolations} off; "
        + $"stale writes rejected {StaleRejected}, accepted {StaleAccepted}; violations {Violations}";
}
