namespace Baton.Ordering;

/// <summary>
/// What the current async flow has acquired: an immutable list in an <see cref="AsyncLocal{T}"/>, newest
/// first. A new acquisition pushes its record from the synchronous part of the acquire call, so the list
/// is set in the caller's own execution context (a value set inside an async method would not flow back
/// to its caller); the record then turns held or ended in place. Flows started later (Task.Run, an async
/// call not awaited yet) see the list as it was when they started, and their own acquisitions never
/// reach the flow that started them.
/// </summary>
internal sealed class FlowHolds
{
    private static readonly AsyncLocal<FlowHolds?> CurrentList = new();
    private static long s_lastFlowId;

    private FlowHolds(HoldRecord record, FlowHolds? next)
    {
        Record = record;
        Next = next;
    }

    public HoldRecord Record { get; }

    public FlowHolds? Next { get; }

    /// <summary>The current flow's list without the records that are over (they are dropped from the next list pushed).</summary>
    public static FlowHolds? CurrentWithoutFinished() => WithoutFinished(CurrentList.Value);

    /// <summary>Records an acquisition about to start in the current flow, whose list was <paramref name="before"/>.</summary>
    public static HoldRecord Push(FlowHolds? before, LockOrderName name, int maxCount)
    {
        var flowId = before?.Record.FlowId ?? Interlocked.Increment(ref s_lastFlowId);
        var record = new HoldRecord(name, maxCount, flowId, before);
        CurrentList.Value = new FlowHolds(record, before);
        return record;
    }

    /// <summary>The records held now, newest first.</summary>
    public static IEnumerable<HoldRecord> Held(FlowHolds? list)
    {
        for (var node = list; node is not null; node = node.Next)
        {
            if (node.Record.IsHeld)
            {
                yield return node.Record;
            }
        }
    }

    /// <summary>
    /// True when <paramref name="list"/> holds the name now through a hold that <paramref name="other"/> does not
    /// share: two acquisitions of one flow, or of flows started from one, never wait for a hold they both have.
    /// </summary>
    public static bool HoldsApartFrom(FlowHolds? list, LockOrderName name, FlowHolds? other)
    {
        for (var node = list; node is not null; node = node.Next)
        {
            if (node.Record.Name == name && node.Record.IsHeld && !Contains(other, node.Record))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(FlowHolds? list, HoldRecord record)
    {
        for (var node = list; node is not null; node = node.Next)
        {
            if (ReferenceEquals(node.Record, record))
            {
                return true;
            }
        }

        return false;
    }

    private static FlowHolds? WithoutFinished(FlowHolds? list)
    {
        var allLive = true;
        for (var node = list; node is not null && allLive; node = node.Next)
        {
            allLive = !node.Record.IsOver;
        }

        if (allLive)
        {
            return list;
        }

        var live = new List<HoldRecord>();
        for (var node = list; node is not null; node = node.Next)
        {
            if (!node.Record.IsOver)
            {
                live.Add(node.Record);
            }
        }

        FlowHolds? rebuilt = null;
        for (var i = live.Count - 1; i >= 0; i--)
        {
            rebuilt = new FlowHolds(live[i], rebuilt);
        }

        return rebuilt;
    }
}
