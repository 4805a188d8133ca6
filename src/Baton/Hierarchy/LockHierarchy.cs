using Baton.Hierarchy;
using Baton.Internal;

namespace Baton;

/// <summary>
/// Declared, ordered levels of locks, after Ganeti's lock manager: an async flow takes a set of names of one level
/// in one call (sorted internally, shared or exclusive per name) and may then take only later levels, so no two
/// flows can come to wait for each other by taking locks in different orders. Asking for a level at or before one
/// the flow holds throws <see cref="LockOrderException"/> before anything is taken. Works over any backend: every
/// level has an intent lock <c>{hierarchy}/{level}</c>, and every name is the reader-writer lock
/// <c>{hierarchy}/{level}/{name}</c> (docs/lock-hierarchy.md). Get one from <see cref="Coordinator.CreateHierarchy"/>.
/// </summary>
public sealed partial class LockHierarchy
{
    private readonly Coordinator _coordinator;
    private readonly string[] _levels;
    private readonly string[] _intentLockNames;

    internal LockHierarchy(Coordinator coordinator, string name, string[] levels)
    {
        _coordinator = coordinator;
        Name = name;
        _levels = levels;
        _intentLockNames = [.. levels.Select(level => $"{name}/{level}")];

        // The order rule holds per flow for every LockHierarchy object of the same definition on the same backend,
        // not only for this object.
        Key = string.Join('\n', [coordinator.BackendUrl, name, .. levels]);
    }

    /// <summary>The hierarchy's name, the first part of all its lock names.</summary>
    public string Name { get; }

    /// <summary>The levels in the order they are taken: index 0 first.</summary>
    public IReadOnlyList<string> Levels => _levels;

    /// <summary>
    /// The levels the current async flow holds, in level order. A child flow started while its parent held levels
    /// counts them too, until the parent releases them (docs/lock-hierarchy.md, "Flows").
    /// </summary>
    public IReadOnlyList<string> HeldLevels => [.. FlowLevels.HeldBy(this).Select(index => _levels[index])];

    internal string Key { get; }

    /// <summary>Shows the name and the levels.</summary>
    public override string ToString() => $"lock hierarchy '{Name}' ({string.Join(" < ", _levels)})";

    internal int IndexOf(string level)
    {
        ArgumentNullException.ThrowIfNull(level);
        var index = Array.IndexOf(_levels, level);
        return index >= 0
            ? index
            : throw new ArgumentException($"Lock hierarchy '{Name}' has no level '{level}'; its levels are {string.Join(", ", _levels)}.", nameof(level));
    }

    internal string IntentLockName(int levelIndex) => _intentLockNames[levelIndex];

    internal string NameLockName(int levelIndex, string name) => $"{_intentLockNames[levelIndex]}/{name}";

    /// <summary>Validates a hierarchy's name and levels, and returns the levels as an array.</summary>
    internal static string[] ValidateDefinition(string name, IEnumerable<string> levels)
    {
        NameValidation.Validate(name, nameof(name), "A lock hierarchy's name");
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"A lock hierarchy's name must not contain '/' ('{name}' does): its lock names are '{{hierarchy}}/{{level}}/{{name}}', and a '/' in the first part would let two hierarchies share locks.",
                nameof(name));
        }

        ArgumentNullException.ThrowIfNull(levels);
        var array = levels.ToArray();
        if (array.Length == 0)
        {
            throw new ArgumentException($"Lock hierarchy '{name}' needs at least one level.", nameof(levels));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Length; i++)
        {
            var level = array[i];
            if (level is null)
            {
                throw new ArgumentException($"Level {i} of lock hierarchy '{name}' is null.", nameof(levels));
            }

            NameValidation.Validate(level, nameof(levels), $"Level {i} of lock hierarchy '{name}'");
            if (level.Contains('/', StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Level {i} of lock hierarchy '{name}' ('{level}') must not contain '/': it separates the hierarchy, the level and the name in lock names.",
                    nameof(levels));
            }

            if (!seen.Add(level))
            {
                throw new ArgumentException($"Lock hierarchy '{name}' declares level '{level}' twice; levels must be unique.", nameof(levels));
            }

            NameValidation.Validate($"{name}/{level}", nameof(levels), $"The intent lock name of level '{level}'");
        }

        return array;
    }
}
