namespace Baton.Backends;

/// <summary>
/// The seam a backend implements: start an acquisition (grant, deny or queue), list, break, dispose.
/// Everything else — validation, deadlines, cancellation, metrics, tracing, the public handles — is the
/// core's, written once. One instance serves one <see cref="Coordinator"/> (one session/connection).
/// </summary>
public abstract class CoordinationBackend : IAsyncDisposable
{
    /// <summary>
    /// Starts an acquisition. Grants at once when the name is free and nobody queues before the
    /// request (no barging past waiters); otherwise denies when <see cref="AcquisitionRequest.Wait"/> is
    /// false, or queues and returns a ticket.
    /// </summary>
    /// <param name="request">The validated request.</param>
    /// <param name="cancellationToken">Cancels the start (the round trip), not the wait.</param>
    public abstract ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Called once per primitive (lock, reader-writer lock or semaphore object), so per-name work —
    /// escaping a file name, building keys, finding the name's entry — is done once rather than at every
    /// acquisition. Whatever it returns comes back as <see cref="AcquisitionRequest.PreparedName"/>.
    /// Default: null.
    /// </summary>
    /// <param name="kind">Lock or semaphore namespace.</param>
    /// <param name="name">The validated name.</param>
    public virtual object? PrepareName(LockKind kind, string name) => null;

    /// <summary>
    /// In-process backends only: an uncontended exclusive lock as one object, the handle itself (see
    /// <see cref="Internal.FastHoldOwner"/>). Null when the name is not free at once, or the backend has no
    /// such path; the core then takes the general path through <see cref="StartAcquisitionAsync"/>.
    /// </summary>
    internal virtual LockHandle? TryAcquireExclusiveFast(Coordinator coordinator, string name, object? preparedName) => null;

    /// <summary>Lists every held or awaited name, with holders and waiters.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public abstract ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The holders and waiters of one name, or null when nobody holds or waits. Default: filters
    /// <see cref="ListLocksAsync"/>; backends that can read one name override it.
    /// </summary>
    /// <param name="kind">Lock, semaphore or group namespace.</param>
    /// <param name="name">The validated name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public virtual async ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        foreach (var info in await ListLocksAsync(cancellationToken).ConfigureAwait(false))
        {
            if (info.Kind == kind && string.Equals(info.Name, name, StringComparison.Ordinal))
            {
                return info;
            }
        }

        return null;
    }

    /// <summary>
    /// Starts watching one name for changes of its holders or waiters (elections and groups observe through it).
    /// Default: null, no native notice; the core then reads the name every
    /// <see cref="CoordinatorOptions.WatchPollInterval"/>.
    /// </summary>
    /// <param name="kind">Lock, semaphore or group namespace.</param>
    /// <param name="name">The validated name.</param>
    /// <param name="cancellationToken">Cancels setting up the watch.</param>
    public virtual ValueTask<NameWatch?> WatchNameAsync(LockKind kind, string name, CancellationToken cancellationToken) =>
        new((NameWatch?)null);

    /// <summary>
    /// Breaks a name: ends every hold of it, fires the holders' lost tokens where the backend can, and
    /// supersedes their fencing tokens; the next holder gets a takeover notice. Returns the broken holders
    /// (empty when nobody held it). Throws <see cref="NotSupportedException"/>, saying why, when the
    /// backend cannot break a live holder.
    /// </summary>
    /// <param name="kind">Lock, semaphore or group namespace.</param>
    /// <param name="name">The validated name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public abstract ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Removes leftovers that nobody holds or waits on (lock files of crashed holders, files kept by a layout
    /// that peers share), each under the backend's own safety protocol (lock, re-check, delete), never a file
    /// someone holds or waits on. Returns what was removed, or with <paramref name="dryRun"/> what would be,
    /// without removing anything, and the entries it left in place on purpose (<see cref="CleanedLockFile.SkipReason"/>).
    /// Default: throws <see cref="NotSupportedException"/>, for backends that keep
    /// no leftovers (their data goes with the holder's session, lease or process).
    /// </summary>
    /// <param name="olderThan">Only leftovers last modified at least this long ago; zero for all of them.</param>
    /// <param name="dryRun">Only report what would be removed.</param>
    /// <param name="cancellationToken">Cancels the scan; files already removed stay removed.</param>
    public virtual ValueTask<IReadOnlyList<CleanedLockFile>> CleanAsync(TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            $"This backend ({GetType().Name}) keeps no leftover lock files: what a holder leaves goes with its session, lease or process, so there is nothing to clean.");

    /// <summary>
    /// Closes the session. Holds still open are ended as by a crash of their holder (their lost tokens
    /// fire; the next holder gets a takeover notice), and waiting tickets fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public abstract ValueTask DisposeAsync();
}
