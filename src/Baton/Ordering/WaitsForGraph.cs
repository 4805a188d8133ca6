using System.Text;

namespace Baton.Ordering;

/// <summary>
/// The deadlock detector's state for the whole process: which flows wait, for which name, and what each
/// held when its wait started. A cycle can only be closed by a new wait, so each wait is checked as it
/// starts: waiter → the waiting flows that hold the name it waits for → the names those wait for … and
/// back to the waiter. Flows that hold a name but do not wait cannot be in a cycle, so only waiters are kept.
/// </summary>
internal static class WaitsForGraph
{
    private static readonly object Gate = new();
    private static readonly HashSet<HoldRecord> Waiting = [];

    /// <summary>
    /// Registers the wait of <paramref name="waiter"/>, or returns the description of the cycle it would
    /// close (then nothing is registered). Waits for a semaphore of more than one slot are not checked:
    /// a holder outside the cycle, perhaps in another process, may free a slot.
    /// </summary>
    public static string? TryEnter(HoldRecord waiter)
    {
        if (waiter.MaxCount > 1)
        {
            return null;
        }

        lock (Gate)
        {
            if (FindCycle(waiter) is { } cycle)
            {
                return Describe(cycle);
            }

            Waiting.Add(waiter);
            return null;
        }
    }

    /// <summary>The wait ended: granted, timed out, cancelled or failed.</summary>
    public static void Leave(HoldRecord waiter)
    {
        lock (Gate)
        {
            Waiting.Remove(waiter);
        }
    }

    /// <summary>A path of waits from <paramref name="start"/> back to it, through at least one other wait; null when none.</summary>
    private static List<HoldRecord>? FindCycle(HoldRecord start)
    {
        var cameFrom = new Dictionary<HoldRecord, HoldRecord>();
        var stack = new Stack<HoldRecord>();
        stack.Push(start);
        while (stack.TryPop(out var at))
        {
            // A wait is never blocked by a hold in its own flow (its own, or one its flow started with): a flow that
            // starts waits, releases, then awaits them is not deadlocked, and cannot be told from one that is.
            if (at != start && FlowHolds.HoldsApartFrom(start.Before, at.Name, at.Before))
            {
                var path = new List<HoldRecord> { at };
                for (var node = at; node != start; node = cameFrom[node])
                {
                    path.Add(cameFrom[node]);
                }

                path.Reverse();
                return path;
            }

            foreach (var holder in Waiting)
            {
                if (holder != at && holder != start && !cameFrom.ContainsKey(holder) && FlowHolds.HoldsApartFrom(holder.Before, at.Name, at.Before))
                {
                    cameFrom[holder] = at;
                    stack.Push(holder);
                }
            }
        }

        return null;
    }

    private static string Describe(List<HoldRecord> cycle)
    {
        var text = new StringBuilder();
        text.Append("Waiting for ").Append(cycle[0].Name).Append(" would never end: ");
        for (var i = 0; i < cycle.Count; i++)
        {
            var waiter = cycle[i];
            var holder = cycle[(i + 1) % cycle.Count];
            text.Append("flow ").Append(waiter.FlowId).Append(i == 0 ? " (this one)" : string.Empty)
                .Append(" waits for ").Append(waiter.Name)
                .Append(", held by flow ").Append(holder.FlowId).Append(i + 1 < cycle.Count ? "; " : ". ");
        }

        return text.Append("The wait of flow ").Append(cycle[0].FlowId).Append(" fails so the others can go on once it releases what it holds.").ToString();
    }
}
