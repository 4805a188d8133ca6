using System.Runtime.CompilerServices;
using Baton.Backends;

namespace Baton.Internal;

/// <summary>
/// Follows the holders of one name, for elections and groups: the backend's watch (or a poll) says when to read
/// again, and only reads whose holders differ from the previous read are passed on. A backend that cannot be read
/// for a while (a reconnect, a leader election of the cluster) does not end the observation: it is logged and read
/// again with a growing delay, until the caller cancels; the coordinator's disposal ends it.
/// </summary>
internal static class NameObserver
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

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
            var retry = FirstRetry;
            while (true)
            {
                var (read, info) = await TryReadAsync(coordinator, kind, name, retry, cancellationToken).ConfigureAwait(false);
                if (!read)
                {
                    retry = retry * 2 > LastRetry ? LastRetry : retry * 2;
                    continue;
                }

                retry = FirstRetry;
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

    // False (after waiting out the retry delay) when the backend could not be read for a reason that may pass.
    private static async ValueTask<(bool Read, LockInfo? Info)> TryReadAsync(
        Coordinator coordinator, LockKind kind, string name, TimeSpan retry, CancellationToken cancellationToken)
    {
        try
        {
            return (true, await coordinator.Backend.GetLockAsync(kind, name, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is BackendUnavailableException or IOException or TimeoutException
            && !cancellationToken.IsCancellationRequested && !coordinator.IsDisposed)
        {
            Diagnostics.Log.WatchFailed(coordinator.Logger, name, coordinator.BackendUrl, retry, e);
            await Task.Delay(retry, coordinator.TimeProvider, cancellationToken).ConfigureAwait(false);
            return (false, null);
        }
    }

    // Holders are the same hold when member, mode and token agree; the order of a listing does not matter. A set, not
    // a pair of loops: a group of a thousand members is read again at every join and leave.
    private static bool SameHolders(IReadOnlyList<LockHolder> a, IReadOnlyList<LockHolder> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        var seen = new HashSet<(long Token, LockMode Mode, MemberIdentity Member)>(a.Count);
        foreach (var holder in a)
        {
            seen.Add((holder.FencingToken, holder.Mode, holder.Member));
        }

        foreach (var holder in b)
        {
            if (!seen.Contains((holder.FencingToken, holder.Mode, holder.Member)))
            {
                return false;
            }
        }

        return true;
    }
}
