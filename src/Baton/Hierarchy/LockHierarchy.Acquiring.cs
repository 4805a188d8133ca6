using Baton.Hierarchy;
using Baton.Internal;

namespace Baton;

/// <summary>The acquisition methods: one family per shape (named set with one mode, named set with a mode per name, whole level).</summary>
public sealed partial class LockHierarchy
{
    /// <summary>
    /// Takes a set of names of one level, all in one mode, within the timeout, or throws <see cref="TimeoutException"/>.
    /// The timeout is one deadline for the whole set; when it passes, every lock already taken is released.
    /// </summary>
    /// <param name="level">One of <see cref="Levels"/>, after every level this flow holds.</param>
    /// <param name="names">The names (each any non-empty string without NUL); duplicates are taken once.</param>
    /// <param name="mode">Exclusive (the default) or shared, for every name.</param>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, releasing what was taken, and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="LockOrderException">This flow holds <paramref name="level"/> or a later level; nothing was taken.</exception>
    /// <exception cref="ArgumentException">An unknown level, an empty set, or an invalid name; the message says which.</exception>
    public ValueTask<HierarchyLevelHandle> AcquireAsync(
        string level, IEnumerable<string> names, LockMode mode = LockMode.Exclusive, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ValidateMode(mode);
        return AcquireAsync(level, LevelRequest.WithMode(names, mode, nameof(names)), timeout, cancellationToken);
    }

    /// <summary>
    /// Takes a set of names of one level, each in its own mode, within the timeout, or throws <see cref="TimeoutException"/>.
    /// A name given twice is taken once, exclusive if either asked for exclusive.
    /// </summary>
    /// <param name="level">One of <see cref="Levels"/>, after every level this flow holds.</param>
    /// <param name="names">The names and their modes (<see cref="LockMode.Exclusive"/> or <see cref="LockMode.Shared"/>).</param>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting, releasing what was taken, and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="LockOrderException">This flow holds <paramref name="level"/> or a later level; nothing was taken.</exception>
    /// <exception cref="ArgumentException">An unknown level, an empty set, an invalid name or mode; the message says which.</exception>
    public ValueTask<HierarchyLevelHandle> AcquireAsync(
        string level, IEnumerable<KeyValuePair<string, LockMode>> names, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Start(LevelRequest.Named(this, level, names, nameof(names)), timeout ?? Timeout.InfiniteTimeSpan, throwOnTimeout: true, cancellationToken)!;

    /// <summary>Takes a set of names of one level, all in one mode, within the timeout, or returns null with nothing held.</summary>
    /// <param name="level">One of <see cref="Levels"/>, after every level this flow holds.</param>
    /// <param name="names">The names (each any non-empty string without NUL); duplicates are taken once.</param>
    /// <param name="mode">Exclusive (the default) or shared, for every name.</param>
    /// <param name="timeout">Zero tries each lock once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting, releasing what was taken, and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="LockOrderException">This flow holds <paramref name="level"/> or a later level; nothing was taken.</exception>
    /// <exception cref="ArgumentException">An unknown level, an empty set, or an invalid name; the message says which.</exception>
    public ValueTask<HierarchyLevelHandle?> TryAcquireAsync(
        string level, IEnumerable<string> names, LockMode mode = LockMode.Exclusive, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        ValidateMode(mode);
        return TryAcquireAsync(level, LevelRequest.WithMode(names, mode, nameof(names)), timeout, cancellationToken);
    }

    /// <summary>Takes a set of names of one level, each in its own mode, within the timeout, or returns null with nothing held.</summary>
    /// <param name="level">One of <see cref="Levels"/>, after every level this flow holds.</param>
    /// <param name="names">The names and their modes (<see cref="LockMode.Exclusive"/> or <see cref="LockMode.Shared"/>).</param>
    /// <param name="timeout">Zero tries each lock once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting, releasing what was taken, and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="LockOrderException">This flow holds <paramref name="level"/> or a later level; nothing was taken.</exception>
    /// <exception cref="ArgumentException">An unknown level, an empty set, an invalid name or mode; the message says which.</exception>
    public ValueTask<HierarchyLevelHandle?> TryAcquireAsync(
        string level, IEnumerable<KeyValuePair<string, LockMode>> names, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Start(LevelRequest.Named(this, level, names, nameof(names)), timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>
    /// Takes the whole level — its intent lock, exclusive — within the timeout, or throws <see cref="TimeoutException"/>:
    /// the big lock that excludes every named set of the level (Ganeti's cluster-level lock), and is excluded by them.
    /// </summary>
    /// <param name="level">One of <see cref="Levels"/>, after every level this flow holds.</param>
    /// <param name="timeout">Null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever (the default); zero tries once.</param>
    /// <param name="cancellationToken">Stops waiting and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="LockOrderException">This flow holds <paramref name="level"/> or a later level; nothing was taken.</exception>
    /// <exception cref="ArgumentException">An unknown level.</exception>
    public ValueTask<HierarchyLevelHandle> AcquireAllAsync(string level, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Start(LevelRequest.WholeLevel(this, level), timeout ?? Timeout.InfiniteTimeSpan, throwOnTimeout: true, cancellationToken)!;

    /// <summary>Takes the whole level (see <see cref="AcquireAllAsync"/>) within the timeout, or returns null.</summary>
    /// <param name="level">One of <see cref="Levels"/>, after every level this flow holds.</param>
    /// <param name="timeout">Zero tries once (the default); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="LockOrderException">This flow holds <paramref name="level"/> or a later level; nothing was taken.</exception>
    /// <exception cref="ArgumentException">An unknown level.</exception>
    public ValueTask<HierarchyLevelHandle?> TryAcquireAllAsync(string level, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Start(LevelRequest.WholeLevel(this, level), timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>Blocking form of <see cref="AcquireAsync(string, IEnumerable{string}, LockMode, TimeSpan?, CancellationToken)"/>.</summary>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <param name="names">The names.</param>
    /// <param name="mode">Exclusive (the default) or shared.</param>
    /// <param name="timeout">Null waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public HierarchyLevelHandle Acquire(
        string level, IEnumerable<string> names, LockMode mode = LockMode.Exclusive, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireAsync(level, names, mode, timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="AcquireAsync(string, IEnumerable{KeyValuePair{string, LockMode}}, TimeSpan?, CancellationToken)"/>.</summary>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <param name="names">The names and their modes.</param>
    /// <param name="timeout">Null waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public HierarchyLevelHandle Acquire(
        string level, IEnumerable<KeyValuePair<string, LockMode>> names, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireAsync(level, names, timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="TryAcquireAsync(string, IEnumerable{string}, LockMode, TimeSpan, CancellationToken)"/>.</summary>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <param name="names">The names.</param>
    /// <param name="mode">Exclusive (the default) or shared.</param>
    /// <param name="timeout">Zero tries once (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public HierarchyLevelHandle? TryAcquire(
        string level, IEnumerable<string> names, LockMode mode = LockMode.Exclusive, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireAsync(level, names, mode, timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="TryAcquireAsync(string, IEnumerable{KeyValuePair{string, LockMode}}, TimeSpan, CancellationToken)"/>.</summary>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <param name="names">The names and their modes.</param>
    /// <param name="timeout">Zero tries once (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public HierarchyLevelHandle? TryAcquire(
        string level, IEnumerable<KeyValuePair<string, LockMode>> names, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireAsync(level, names, timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="AcquireAllAsync"/>.</summary>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <param name="timeout">Null waits forever (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public HierarchyLevelHandle AcquireAll(string level, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(AcquireAllAsync(level, timeout, cancellationToken));

    /// <summary>Blocking form of <see cref="TryAcquireAllAsync"/>.</summary>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <param name="timeout">Zero tries once (the default).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public HierarchyLevelHandle? TryAcquireAll(string level, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryAcquireAllAsync(level, timeout, cancellationToken));

    private static void ValidateMode(LockMode mode)
    {
        if (mode is not (LockMode.Exclusive or LockMode.Shared))
        {
            throw new ArgumentOutOfRangeException(
                nameof(mode), mode, "The mode must be LockMode.Exclusive or LockMode.Shared; a hierarchy's names are reader-writer locks.");
        }
    }

    /// <summary>
    /// Not async on purpose: the claim is made in the caller's own flow, so the caller sees it after its await
    /// (an <see cref="AsyncLocal{T}"/> set inside an async method would not flow back).
    /// </summary>
    private ValueTask<HierarchyLevelHandle?> Start(LevelRequest request, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        TimeoutValidation.Validate(timeout, nameof(timeout));
        cancellationToken.ThrowIfCancellationRequested();
        _coordinator.ThrowIfDisposed();
        var claim = FlowLevels.Claim(this, request.LevelIndex);
        return TakeAllAsync(request, claim, timeout, throwOnTimeout, cancellationToken);
    }

    private async ValueTask<HierarchyLevelHandle?> TakeAllAsync(
        LevelRequest request, LevelClaim claim, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        var time = _coordinator.TimeProvider;
        var started = time.GetTimestamp();
        var taken = new List<LockHandleBase>(request.Locks.Count);
        string? blockedOn = null;
        try
        {
            foreach (var (backendName, mode) in request.Locks)
            {
                var readerWriter = _coordinator.CreateReaderWriterLock(backendName);
                var remaining = Remaining(timeout, time.GetElapsedTime(started));
                var handle = mode == LockMode.Shared
                    ? await readerWriter.TryAcquireReadAsync(remaining, cancellationToken).ConfigureAwait(false)
                    : await readerWriter.TryAcquireWriteAsync(remaining, cancellationToken).ConfigureAwait(false);
                if (handle is null)
                {
                    blockedOn = backendName;
                    break;
                }

                taken.Add(handle);
            }
        }
        catch
        {
            await HierarchyLevelHandle.ReleaseInReverseAsync(taken).ConfigureAwait(false);
            claim.End();
            throw;
        }

        if (blockedOn is not null)
        {
            await HierarchyLevelHandle.ReleaseInReverseAsync(taken).ConfigureAwait(false);
            claim.End();
            return throwOnTimeout ? throw NotAcquired(request, blockedOn, timeout) : null;
        }

        claim.MarkHeld();
        return new HierarchyLevelHandle(this, request, claim, taken);
    }

    /// <summary>What is left of one deadline for the whole set; once it has passed, each remaining lock is still tried once.</summary>
    private static TimeSpan Remaining(TimeSpan timeout, TimeSpan elapsed) =>
        timeout == Timeout.InfiniteTimeSpan ? timeout : elapsed >= timeout ? TimeSpan.Zero : timeout - elapsed;

    private TimeoutException NotAcquired(LevelRequest request, string blockedOn, TimeSpan timeout)
    {
        var what = request.IsWholeLevel ? $"the whole level '{request.Level}'" : $"{request.Names.Count} name(s) of level '{request.Level}'";
        return new TimeoutException(
            $"Could not acquire {what} of lock hierarchy '{Name}' within {timeout}: '{blockedOn}' is held by someone else, and nothing of the set is held now. " +
            "List holders with Coordinator.ListLocksAsync or `baton locks`.");
    }
}
