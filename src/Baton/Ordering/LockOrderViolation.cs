namespace Baton;

/// <summary>
/// A cycle in the order in which flows acquire names: each flow alone may never deadlock, but flows that
/// run these orders at the same time can. Reported the first time the closing order is seen.
/// </summary>
/// <param name="Cycle">The cycle as edges, each <c>To</c> the next edge's <c>From</c>; the first edge is the one just seen.</param>
public sealed record LockOrderViolation(IReadOnlyList<LockOrderEdge> Cycle)
{
    /// <summary>The names of the cycle in order, such as <c>lock 'b' -> lock 'a' -> lock 'b'</c>.</summary>
    public string Names => string.Join(" -> ", Cycle.Select(edge => edge.From.ToString()).Append(Cycle[0].From.ToString()));

    /// <summary>Describes the cycle and the site of every edge.</summary>
    public override string ToString() =>
        $"Potential deadlock: the lock order has a cycle {Names}.{Environment.NewLine}"
        + string.Join(Environment.NewLine, Cycle.Select(edge => $"{edge.To} acquired while holding {edge.From} at:{Environment.NewLine}{edge.Site}"));
}
