using System.Runtime.CompilerServices;
using Baton.Backends;

namespace Baton.Internal;

/// <summary>
/// Follows the holders of one name, for elections and groups: the backend's watch (or a poll) says when to read
/// again, and only reads whose holders differ from the previous read are passed on.
/// </summary>
internal static class NameObserver
{
    /// <summary>Yields the name now (null: nobody holds or waits), then again each time its set of holders changes.</summary>
    public static async IAsyncEnumerable<LockInfo?> ObserveAsync(
        Coordinator coordinator, LockKind kind, string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        coordinator.ThrowIfDisposed();
        var watch = await coordinator.Backend.WatchNameAsync(kind, name, cancellationToken).ConfigureAwait(false)
            ?? new PollingNameWatch(coordinator.TimeProvider, coordinator.WatchPollInterval);
        await using (watch.ConfigureAwait(false))
        {
            IReadOnlyList<LockHolder>? previous = null;
            while (true)
            {
                var info = await coordinator.Backend.GetLockAsync(kind, name, cancellationToken).ConfigureAwait(false);
                var holders = info?.Holders ?? [];
                if (previous is null || !SameHolders(previous, holders))
                {
                    yield return info;
                }

                previous = holders;
                await watch.WaitForChangeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Holders are the same hold when member, mode and token agree; the order of a listing does not matter.
    private static bool SameHolders(IReadOnlyList<LockHolder> a, IReadOnlyList<LockHolder> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var holder in a)
        {
            var found = false;
            foreach (var other in b)
            {
                if (other.FencingToken == holder.FencingToken && other.Mode == holder.Mode && other.Member == holder.Member)
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}
