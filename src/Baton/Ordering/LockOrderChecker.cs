using Baton.Ordering;

namespace Baton;

/// <summary>
/// Watches the order in which each async flow acquires names and reports a potential deadlock the first
/// time an order closes a cycle (a flow took A then B, another takes B while holding A), whether or not
/// the flows ever met. Turn it on with <see cref="CoordinatorOptions.LockOrderChecker"/>; one checker may
/// serve several coordinators. See docs/lock-ordering.md.
/// </summary>
/// <remarks>
/// Locks, both sides of reader-writer locks and semaphores count. A try with a zero timeout cannot block,
/// so it adds no order (its hold, once granted, does order what is acquired after it). Acquiring a name
/// the flow already holds adds no order either.
/// </remarks>
public sealed class LockOrderChecker
{
    private readonly object _gate = new();
    private readonly Dictionary<LockOrderName, Dictionary<LockOrderName, LockOrderEdge>> _orders = [];
    private readonly HashSet<string> _reportedCycles = [];
    private readonly List<LockOrderViolation> _violations = [];

    /// <summary>Creates a checker.</summary>
    /// <param name="mode">Report only (the default), or also throw <see cref="PotentialDeadlockException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The mode is not one of the enum's values.</exception>
    public LockOrderChecker(LockOrderCheckMode mode = LockOrderCheckMode.Report)
    {
        if (mode is not (LockOrderCheckMode.Report or LockOrderCheckMode.Throw))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"The lock-order check mode must be Report or Throw; got {mode}.");
        }

        Mode = mode;
    }

    /// <summary>Report only, or also throw.</summary>
    public LockOrderCheckMode Mode { get; }

    /// <summary>Every distinct cycle found so far, oldest first (a snapshot).</summary>
    public IReadOnlyList<LockOrderViolation> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>
    /// Raised once per distinct cycle, on the flow whose acquisition closed it, before the acquisition goes on
    /// (or throws). An exception from a handler propagates to that acquisition, which is then not attempted.
    /// </summary>
    public event EventHandler<LockOrderViolation>? ViolationFound;

    /// <summary>
    /// Records that <paramref name="acquired"/> is about to be acquired while the flow holds <paramref name="held"/>;
    /// returns the cycles not reported before (empty when none), and in <see cref="LockOrderCheckMode.Throw"/>
    /// mode the cycle that refuses the acquisition, reported before or not.
    /// </summary>
    internal IReadOnlyList<LockOrderViolation> Observe(IReadOnlyList<LockOrderName> held, LockOrderName acquired, out LockOrderViolation? refusal)
    {
        refusal = null;
        List<LockOrderViolation>? found = null;
        string? site = null;
        lock (_gate)
        {
            foreach (var from in held)
            {
                if (from == acquired || (_orders.TryGetValue(from, out var known) && known.ContainsKey(acquired)))
                {
                    continue;
                }

                // Captured at most once per acquisition, and only when an order is new: a stack trace costs microseconds.
                site ??= AcquisitionSite.Capture();
                var edge = new LockOrderEdge(from, acquired, site);
                if (PathBetween(acquired, from) is not { } back)
                {
                    Learn(edge);
                    continue;
                }

                var violation = new LockOrderViolation([edge, .. back]);
                if (_reportedCycles.Add(CycleKey(violation.Cycle)))
                {
                    _violations.Add(violation);
                    (found ??= []).Add(violation);
                }

                if (Mode == LockOrderCheckMode.Throw)
                {
                    // A refused order is not learned, so the same inversion is refused again next time.
                    refusal ??= violation;
                }
                else
                {
                    Learn(edge);
                }
            }
        }

        return found ?? (IReadOnlyList<LockOrderViolation>)[];
    }

    internal void Raise(LockOrderViolation violation) => ViolationFound?.Invoke(this, violation);

    private void Learn(LockOrderEdge edge)
    {
        if (!_orders.TryGetValue(edge.From, out var next))
        {
            _orders[edge.From] = next = [];
        }

        next[edge.To] = edge;
    }

    /// <summary>A shortest path of known orders from <paramref name="start"/> to <paramref name="goal"/>, or null.</summary>
    private List<LockOrderEdge>? PathBetween(LockOrderName start, LockOrderName goal)
    {
        var cameBy = new Dictionary<LockOrderName, LockOrderEdge>();
        var queue = new Queue<LockOrderName>();
        queue.Enqueue(start);
        while (queue.TryDequeue(out var at))
        {
            if (at == goal)
            {
                var path = new List<LockOrderEdge>();
                for (var node = goal; node != start; node = cameBy[node].From)
                {
                    path.Add(cameBy[node]);
                }

                path.Reverse();
                return path;
            }

            if (!_orders.TryGetValue(at, out var next))
            {
                continue;
            }

            foreach (var (to, edge) in next)
            {
                if (to != start && cameBy.TryAdd(to, edge))
                {
                    queue.Enqueue(to);
                }
            }
        }

        return null;
    }

    /// <summary>The same cycle whatever edge closed it: its names, rotated to start at the smallest.</summary>
    private static string CycleKey(IReadOnlyList<LockOrderEdge> cycle)
    {
        var names = cycle.Select(edge => edge.From.ToString()).ToList();
        var first = names.IndexOf(names.Min(StringComparer.Ordinal)!);
        return string.Join("\n", names.Skip(first).Concat(names.Take(first)));
    }
}
