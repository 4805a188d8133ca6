namespace Baton.Hierarchy;

/// <summary>
/// One level of one hierarchy claimed by an async flow: pending while its locks are being taken, held once they
/// are, ended when released or when taking them failed. Mutable on purpose: the flow's list
/// (<see cref="FlowLevels"/>) is immutable and copied into child flows, while a release — from whatever flow —
/// must end the claim everywhere.
/// </summary>
internal sealed class LevelClaim(string hierarchyKey, int levelIndex)
{
    private const int Pending = 0;
    private const int Held = 1;
    private const int Ended = 2;

    private int _state;

    public string HierarchyKey { get; } = hierarchyKey;

    public int LevelIndex { get; } = levelIndex;

    /// <summary>Pending or held: the level counts for the order rule.</summary>
    public bool IsLive => Volatile.Read(ref _state) != Ended;

    /// <summary>Held: the level shows in <see cref="LockHierarchy.HeldLevels"/>.</summary>
    public bool IsHeld => Volatile.Read(ref _state) == Held;

    public void MarkHeld() => Interlocked.CompareExchange(ref _state, Held, Pending);

    public void End() => Volatile.Write(ref _state, Ended);
}
