using Baton.Internal;

namespace Baton.Hierarchy;

/// <summary>
/// What one call asks of one level, already validated: the backend locks to take, in the order they are taken
/// (the level's intent lock, then the names in ordinal order, each once — exclusive when any duplicate asked for
/// exclusive).
/// </summary>
internal sealed class LevelRequest
{
    private LevelRequest(int levelIndex, string level, bool isWholeLevel, IReadOnlyList<string> names, IReadOnlyList<(string BackendName, LockMode Mode)> locks)
    {
        LevelIndex = levelIndex;
        Level = level;
        IsWholeLevel = isWholeLevel;
        Names = names;
        Locks = locks;
    }

    public int LevelIndex { get; }

    public string Level { get; }

    public bool IsWholeLevel { get; }

    /// <summary>The names asked for, sorted and merged; empty for the whole level.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The backend locks in the order they are taken.</summary>
    public IReadOnlyList<(string BackendName, LockMode Mode)> Locks { get; }

    public static LevelRequest WholeLevel(LockHierarchy hierarchy, string level)
    {
        var index = hierarchy.IndexOf(level);
        return new LevelRequest(index, level, isWholeLevel: true, [], [(hierarchy.IntentLockName(index), LockMode.Exclusive)]);
    }

    public static LevelRequest Named(LockHierarchy hierarchy, string level, IEnumerable<KeyValuePair<string, LockMode>> names, string paramName)
    {
        var index = hierarchy.IndexOf(level);
        ArgumentNullException.ThrowIfNull(names, paramName);
        var merged = new SortedDictionary<string, LockMode>(StringComparer.Ordinal);
        foreach (var (name, mode) in names)
        {
            NameValidation.Validate(name, paramName, $"A name of level '{level}' of lock hierarchy '{hierarchy.Name}'");
            if (mode is not (LockMode.Exclusive or LockMode.Shared))
            {
                throw new ArgumentOutOfRangeException(
                    paramName, mode, $"The mode of '{name}' must be LockMode.Exclusive or LockMode.Shared; a hierarchy's names are reader-writer locks.");
            }

            merged[name] = merged.TryGetValue(name, out var earlier) && earlier == LockMode.Exclusive ? LockMode.Exclusive : mode;
        }

        if (merged.Count == 0)
        {
            throw new ArgumentException(
                $"The set of names of level '{level}' of lock hierarchy '{hierarchy.Name}' is empty; pass at least one name, or use AcquireAllAsync for the whole level.",
                paramName);
        }

        var locks = new List<(string, LockMode)>(merged.Count + 1) { (hierarchy.IntentLockName(index), LockMode.Shared) };
        foreach (var (name, mode) in merged)
        {
            var backendName = hierarchy.NameLockName(index, name);
            NameValidation.Validate(backendName, paramName, $"The lock name '{Shorten(backendName)}' that '{Shorten(name)}' of level '{level}' becomes");
            locks.Add((backendName, mode));
        }

        return new LevelRequest(index, level, isWholeLevel: false, [.. merged.Keys], locks);
    }

    public static IEnumerable<KeyValuePair<string, LockMode>> WithMode(IEnumerable<string> names, LockMode mode, string paramName)
    {
        ArgumentNullException.ThrowIfNull(names, paramName);
        return names.Select(name => KeyValuePair.Create(name, mode));
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
