namespace Baton.Hierarchy;

/// <summary>
/// The levels each async flow has claimed, across every hierarchy: an immutable list in an
/// <see cref="AsyncLocal{T}"/>. It is set only from the synchronous part of an acquisition, so the caller's own
/// flow sees it after the await (a value set inside an <c>async</c> method would not flow back to its caller). A
/// child flow (<c>Task.Run</c>, an un-awaited call) copies the list as it is when the child starts: it counts the
/// parent's levels as its own until the parent releases them, and its own claims never reach the parent.
/// </summary>
internal static class FlowLevels
{
    private static readonly AsyncLocal<Node?> Current = new();

    /// <summary>
    /// Claims a level for the current flow, or throws <see cref="LockOrderException"/> when the flow already has this
    /// level or a later one of the same hierarchy. Ended claims are dropped from the list on the way.
    /// </summary>
    public static LevelClaim Claim(LockHierarchy hierarchy, int levelIndex)
    {
        LevelClaim? blocking = null;
        Node? kept = null;
        for (var node = Current.Value; node is not null; node = node.Next)
        {
            var claim = node.Claim;
            if (!claim.IsLive)
            {
                continue;
            }

            if (claim.HierarchyKey == hierarchy.Key && claim.LevelIndex >= levelIndex
                && (blocking is null || claim.LevelIndex > blocking.LevelIndex))
            {
                blocking = claim;
            }

            kept = new Node(claim, kept);
        }

        if (blocking is not null)
        {
            throw OutOfOrder(hierarchy, levelIndex, blocking.LevelIndex);
        }

        var claimed = new LevelClaim(hierarchy.Key, levelIndex);
        Current.Value = new Node(claimed, kept);
        return claimed;
    }

    /// <summary>The indexes of the levels of this hierarchy the current flow holds, in level order.</summary>
    public static IReadOnlyList<int> HeldBy(LockHierarchy hierarchy)
    {
        List<int>? held = null;
        for (var node = Current.Value; node is not null; node = node.Next)
        {
            if (node.Claim.IsHeld && node.Claim.HierarchyKey == hierarchy.Key)
            {
                (held ??= []).Add(node.Claim.LevelIndex);
            }
        }

        if (held is null)
        {
            return [];
        }

        held.Sort();
        return held;
    }

    private static LockOrderException OutOfOrder(LockHierarchy hierarchy, int requested, int held)
    {
        var levels = hierarchy.Levels;
        var order = string.Join(" < ", levels);
        var message = requested == held
            ? $"This flow already holds level '{levels[held]}' of lock hierarchy '{hierarchy.Name}' and asked for level '{levels[requested]}' again. " +
              $"A level is taken once, with all its names in one call: release the held '{levels[held]}' set first, or ask for every name at once (the order is {order})."
            : $"This flow holds level '{levels[held]}' of lock hierarchy '{hierarchy.Name}' and asked for the earlier level '{levels[requested]}'. " +
              $"Levels are taken in the order {order}: take '{levels[requested]}' before '{levels[held]}', or release '{levels[held]}' first.";
        return new LockOrderException(hierarchy.Name, levels[requested], levels[held], message);
    }

    private sealed record Node(LevelClaim Claim, Node? Next);
}
