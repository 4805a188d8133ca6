namespace Baton.ZooKeeper.Queue;

/// <summary>Where a contender stands: holding; waiting for one node to change; or in an upgrade deadlock.</summary>
internal readonly record struct Standing(bool Holds, Contender? WaitFor, bool Deadlock = false);

/// <summary>
/// The queue of a lock, in sequence order (arrival order, as the server numbered the nodes), with kazoo's rules,
/// so Baton and kazoo agree on who holds:
/// <list type="bullet">
/// <item>a writer holds when no contender is before it, and watches the one just before it (kazoo's <c>WriteLock</c>);</item>
/// <item>a reader holds when no writer is before it, and watches the last writer before it (kazoo's <c>ReadLock</c>);</item>
/// <item>an upgrade is a writer node with the owner of an earlier reader node of the same holder: it holds when
/// nothing but that reader node is before it; a second upgrade begun while another waits is a deadlock.</item>
/// </list>
/// </summary>
internal static class LockQueue
{
    /// <summary>Where the contender at <paramref name="index"/> stands.</summary>
    public static Standing Evaluate(IReadOnlyList<Contender> queue, int index)
    {
        var self = queue[index];
        if (!self.IsWriter)
        {
            for (var i = index - 1; i >= 0; i--)
            {
                if (queue[i].IsWriter)
                {
                    return new Standing(false, queue[i]);
                }
            }

            return new Standing(true, null);
        }

        var reader = UpgradedReader(queue, index);
        if (reader >= 0)
        {
            for (var i = 0; i < index; i++)
            {
                if (i != reader && UpgradedReader(queue, i) >= 0)
                {
                    return new Standing(false, queue[i], Deadlock: true);
                }
            }
        }

        for (var i = index - 1; i >= 0; i--)
        {
            if (i != reader)
            {
                return new Standing(false, queue[i]);
            }
        }

        return new Standing(true, null);
    }

    /// <summary>The index of the reader node a writer node upgrades, or -1 when it is no upgrade.</summary>
    public static int UpgradedReader(IReadOnlyList<Contender> queue, int index)
    {
        var self = queue[index];
        if (!self.IsWriter || self.Owner.Length == 0)
        {
            return -1;
        }

        for (var i = 0; i < index; i++)
        {
            if (!queue[i].IsWriter && queue[i].Owner == self.Owner)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Who holds and how; null for waiters. A granted upgrade shows once, as the exclusive holder (its reader node is
    /// the same hold, about to go); a pending one shows as an exclusive waiter beside its shared hold.
    /// </summary>
    public static LockMode?[] Holders(IReadOnlyList<Contender> queue, out bool[] hidden)
    {
        var modes = new LockMode?[queue.Count];
        hidden = new bool[queue.Count];
        for (var i = 0; i < queue.Count; i++)
        {
            if (Evaluate(queue, i).Holds)
            {
                modes[i] = queue[i].IsWriter ? LockMode.Exclusive : LockMode.Shared;
                var reader = UpgradedReader(queue, i);
                if (reader >= 0)
                {
                    modes[reader] = null;
                    hidden[reader] = true;
                }
            }
        }

        return modes;
    }
}
