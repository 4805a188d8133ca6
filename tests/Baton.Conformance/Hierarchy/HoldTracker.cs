namespace Baton.Conformance;

/// <summary>
/// What a hierarchy lets its holders do at once, as the holders see it: per name, one exclusive holder or any
/// number of shared ones; per level, the whole level alone or any number of named sets. Records every violation.
/// </summary>
public sealed class HoldTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Readers, int Writers)> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int NamedSets, int Whole)> _levels = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];

    /// <summary>What went wrong, in the order it was seen.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>Notes that a flow now holds what it asked for; call right after acquiring.</summary>
    /// <param name="flow">Who, for the messages.</param>
    /// <param name="level">The level.</param>
    /// <param name="asked">The names and modes asked for (a name asked for twice: exclusive if either was); null for the whole level.</param>
    public void Enter(string flow, string level, IReadOnlyDictionary<string, LockMode>? asked) => Update(flow, level, asked, +1);

    /// <summary>Notes that a flow is about to release what it asked for; call right before releasing.</summary>
    /// <param name="flow">Who, for the messages.</param>
    /// <param name="level">The level.</param>
    /// <param name="asked">The same as given to <see cref="Enter"/>.</param>
    public void Leave(string flow, string level, IReadOnlyDictionary<string, LockMode>? asked) => Update(flow, level, asked, -1);

    private void Update(string flow, string level, IReadOnlyDictionary<string, LockMode>? asked, int delta)
    {
        lock (_gate)
        {
            var (namedSets, whole) = _levels.GetValueOrDefault(level);
            (namedSets, whole) = asked is null ? (namedSets, whole + delta) : (namedSets + delta, whole);
            _levels[level] = (namedSets, whole);
            if (delta > 0 && (whole > 1 || (whole == 1 && namedSets > 0)))
            {
                _violations.Add($"{flow} entered level '{level}' ({(asked is null ? "whole" : "named set")}) alongside {whole} whole-level and {namedSets} named-set holder(s) in all");
            }

            foreach (var (name, mode) in asked ?? new Dictionary<string, LockMode>())
            {
                var key = $"{level}/{name}";
                var (readers, writers) = _names.GetValueOrDefault(key);
                (readers, writers) = mode == LockMode.Shared ? (readers + delta, writers) : (readers, writers + delta);
                _names[key] = (readers, writers);
                if (delta > 0 && (writers > 1 || (writers == 1 && readers > 0)))
                {
                    _violations.Add($"{flow} entered '{key}' ({mode}) alongside {writers} exclusive and {readers} shared holder(s) in all");
                }
            }
        }
    }
}
