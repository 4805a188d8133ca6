using Baton.Reliability.History;

namespace Baton.Reliability.Checking;

/// <summary>
/// Checks a history for mutual exclusion, lost updates and fencing-token order. Pure: the history and the
/// counter's final value in, a <see cref="CheckReport"/> out.
/// </summary>
/// <remarks>
/// <para>Overlaps: every pair of sections of different holders whose [BEGIN, END] intervals overlap. When both are
/// definite (clean, or ended by a kill at the kill's time) it is a violation; when one side lost its handle, was
/// paused or never finished, the lock no longer promised anything for it, so the pair is counted apart.</para>
/// <para>Lost updates: each section adds one to the counter with a non-atomic read-modify-write, and records the
/// write. The final counter must lie between the writes recorded as accepted and that number plus the killed or
/// unfinished sections that recorded no write (killed between writing and recording, or before writing: either is
/// possible). Below: increments were lost; above: increments came from nowhere. Rejected writes add nothing.</para>
/// <para>Tokens: sorted by BEGIN time, each section's token must be greater than the one before it.</para>
/// </remarks>
public static class Checker
{
    /// <summary>Checks <paramref name="history"/>, whose counter ended at <paramref name="finalCounter"/>.</summary>
    public static CheckReport Check(IReadOnlyList<Record> history, long finalCounter)
    {
        ArgumentNullException.ThrowIfNull(history);
        var sections = Sections(history);
        var (overlaps, indeterminate) = CountOverlaps(sections);
        var accepted = sections.Count(s => s.WriteResult is "accepted" or "stale");
        var ambiguous = sections.Count(s => s.WriteResult is null && s.Outcome is SectionOutcome.Killed or SectionOutcome.Unfinished);
        var counterViolations = finalCounter < accepted ? accepted - finalCounter
            : finalCounter > accepted + ambiguous ? finalCounter - accepted - ambiguous
            : 0;
        return new CheckReport
        {
            Attempted = history.Count(r => r.Kind is RecordKind.Begin or RecordKind.Timeout or RecordKind.Error),
            Acquired = sections.Count,
            TimedOut = history.Count(r => r.Kind == RecordKind.Timeout),
            Failed = history.Count(r => r.Kind == RecordKind.Error),
            Lost = sections.Count(s => s.Outcome is SectionOutcome.Lost or SectionOutcome.Paused),
            Killed = sections.Count(s => s.Outcome == SectionOutcome.Killed),
            FaultsInsideHolds = history.Count(r => r.Kind is RecordKind.Kill or RecordKind.Stop or RecordKind.Restart && sections.Any(s =>
                (r.Kind == RecordKind.Restart || s.Pid == r.Pid) && s.Begin <= r.Nanoseconds && r.Nanoseconds <= (s.End ?? long.MaxValue))),
            Overlaps = overlaps,
            IndeterminateOverlaps = indeterminate,
            TokenViolations = CountTokenRegressions(sections),
            FinalCounter = finalCounter,
            AcceptedWrites = accepted,
            AmbiguousWrites = ambiguous,
            CounterViolations = counterViolations,
            StaleRejected = sections.Count(s => s.WriteResult == "rejected"),
            StaleAccepted = sections.Count(s => s.WriteResult == "stale"),
            TakeoverMilliseconds = TakeoverTimes(history),
        };
    }

    /// <summary>The critical sections of a history, sorted by BEGIN time.</summary>
    public static IReadOnlyList<Section> Sections(IReadOnlyList<Record> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var ends = new Dictionary<(int, int), Record>();
        var writes = new Dictionary<(int, int), Record>();
        var kills = new Dictionary<int, List<long>>();
        var stops = new Dictionary<int, List<long>>();
        foreach (var record in history)
        {
            switch (record.Kind)
            {
                case RecordKind.End:
                    ends[(record.Pid, record.Iteration)] = record;
                    break;
                case RecordKind.Write:
                    writes[(record.Pid, record.Iteration)] = record;
                    break;
                case RecordKind.Kill:
                    Add(kills, record);
                    break;
                case RecordKind.Stop:
                    Add(stops, record);
                    break;
            }
        }

        var sections = new List<Section>();
        foreach (var begin in history.Where(r => r.Kind == RecordKind.Begin))
        {
            var key = (begin.Pid, begin.Iteration);
            ends.TryGetValue(key, out var end);
            var write = writes.TryGetValue(key, out var w) ? w.Detail : null;
            long? endTime = end?.Nanoseconds;
            SectionOutcome outcome;
            if (end is null)
            {
                var kill = kills.TryGetValue(begin.Pid, out var k) ? k.Where(t => t >= begin.Nanoseconds).DefaultIfEmpty(-1).Min() : -1;
                (outcome, endTime) = kill >= 0 ? (SectionOutcome.Killed, kill) : (SectionOutcome.Unfinished, (long?)null);
            }
            else
            {
                outcome = end.Detail == "lost" ? SectionOutcome.Lost : SectionOutcome.Clean;
            }

            if (stops.TryGetValue(begin.Pid, out var pauses) && pauses.Any(t => t >= begin.Nanoseconds && t <= (endTime ?? long.MaxValue)))
            {
                outcome = SectionOutcome.Paused;
            }

            sections.Add(new Section(begin.Pid, begin.Iteration, begin.Token, begin.Nanoseconds, endTime, outcome, write));
        }

        sections.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        return sections;
    }

    private static void Add(Dictionary<int, List<long>> times, Record record)
    {
        if (!times.TryGetValue(record.Pid, out var list))
        {
            times[record.Pid] = list = [];
        }

        list.Add(record.Nanoseconds);
    }

    private static (int Definite, int Indeterminate) CountOverlaps(IReadOnlyList<Section> sections)
    {
        int definite = 0, indeterminate = 0;
        for (var i = 0; i < sections.Count; i++)
        {
            // Sorted by BEGIN: only later sections that begin before this one ends can overlap it.
            for (var j = i + 1; j < sections.Count && sections[j].Begin < (sections[i].End ?? long.MaxValue); j++)
            {
                if (sections[i].Pid == sections[j].Pid || !sections[i].Overlaps(sections[j]))
                {
                    continue;
                }

                if (sections[i].IsDefinite && sections[j].IsDefinite)
                {
                    definite++;
                }
                else
                {
                    indeterminate++;
                }
            }
        }

        return (definite, indeterminate);
    }

    private static int CountTokenRegressions(IReadOnlyList<Section> sections)
    {
        var regressions = 0;
        long previous = long.MinValue;
        foreach (var section in sections.Where(s => s.Token != Record.NoToken))
        {
            if (section.Token <= previous)
            {
                regressions++;
            }

            previous = section.Token;
        }

        return regressions;
    }

    private static List<double> TakeoverTimes(IReadOnlyList<Record> history)
    {
        var begins = history.Where(r => r.Kind == RecordKind.Begin).OrderBy(r => r.Nanoseconds).ToList();
        var times = new List<double>();
        foreach (var kill in history.Where(r => r.Kind == RecordKind.Kill))
        {
            // Only a kill that ended a section measures a takeover; one that landed between sections released nothing.
            var open = begins.LastOrDefault(b => b.Pid == kill.Pid && b.Nanoseconds <= kill.Nanoseconds);
            if (open is null || history.Any(r => r.Kind == RecordKind.End && r.Pid == kill.Pid && r.Iteration == open.Iteration && r.Nanoseconds <= kill.Nanoseconds))
            {
                continue;
            }

            var next = begins.FirstOrDefault(b => b.Nanoseconds > kill.Nanoseconds && b.Pid != kill.Pid);
            if (next is not null)
            {
                times.Add((next.Nanoseconds - kill.Nanoseconds) / 1e6);
            }
        }

        return times;
    }
}
