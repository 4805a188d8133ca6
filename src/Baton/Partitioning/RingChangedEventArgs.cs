namespace Baton.Partitioning;

/// <summary>One change of a <see cref="HashRing"/>: the snapshots before and after, and which members changed.</summary>
public sealed class RingChangedEventArgs : EventArgs
{
    internal RingChangedEventArgs(HashRingSnapshot previous, HashRingSnapshot current, IReadOnlyList<string> joined, IReadOnlyList<string> left, IReadOnlyList<string> reweighted)
    {
        Previous = previous;
        Current = current;
        Joined = joined;
        Left = left;
        Reweighted = reweighted;
    }

    /// <summary>The ring before the change.</summary>
    public HashRingSnapshot Previous { get; }

    /// <summary>The ring after the change; its <see cref="HashRingSnapshot.Version"/> is <see cref="Previous"/>'s plus one.</summary>
    public HashRingSnapshot Current { get; }

    /// <summary>Ids of the members that joined, in the order of <see cref="HashRingSnapshot.Members"/>.</summary>
    public IReadOnlyList<string> Joined { get; }

    /// <summary>Ids of the members that left, in the order of <see cref="HashRingSnapshot.Members"/>.</summary>
    public IReadOnlyList<string> Left { get; }

    /// <summary>Ids of the members that stayed with a new weight, in the order of <see cref="HashRingSnapshot.Members"/>.</summary>
    public IReadOnlyList<string> Reweighted { get; }

    /// <summary>The change from <paramref name="previous"/> to <paramref name="next"/>'s members, or null when there is none.</summary>
    internal static (string[] Joined, string[] Left, string[] Reweighted)? Diff(HashRingSnapshot previous, IReadOnlyList<RingMember> next)
    {
        var joined = new List<string>();
        var reweighted = new List<string>();
        var stayed = 0;
        foreach (var member in next)
        {
            if (!previous.TryGetMember(member.Id, out var before))
            {
                joined.Add(member.Id);
                continue;
            }

            stayed++;
            if (before.Weight != member.Weight)
            {
                reweighted.Add(member.Id);
            }
        }

        string[] left = [];
        if (stayed < previous.Members.Count)
        {
            var nextIds = next.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
            left = previous.Members.Where(m => !nextIds.Contains(m.Id)).Select(m => m.Id).ToArray();
        }

        return joined.Count == 0 && left.Length == 0 && reweighted.Count == 0
            ? null
            : ([.. joined], left, [.. reweighted]);
    }
}
