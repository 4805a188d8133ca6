using Baton.Hierarchy;

namespace Baton;

/// <summary>
/// The locks of one level of a <see cref="LockHierarchy"/> taken in one call: the level's intent lock and the named
/// locks, or the whole level. Disposing releases them all, in reverse order; releasing is idempotent and never
/// throws, and it ends the level for the flow's order rule whichever flow releases.
/// </summary>
public sealed class HierarchyLevelHandle : IAsyncDisposable, IDisposable
{
    private readonly LevelClaim _claim;
    private readonly LockHandleBase[] _locks;
    private LostSignal? _lost;
    private int _released;

    internal HierarchyLevelHandle(LockHierarchy hierarchy, LevelRequest request, LevelClaim claim, IReadOnlyList<LockHandleBase> locks)
    {
        Hierarchy = hierarchy;
        Level = request.Level;
        IsWholeLevel = request.IsWholeLevel;
        Names = request.Names;
        _claim = claim;
        _locks = [.. locks];
    }

    /// <summary>The hierarchy the level belongs to.</summary>
    public LockHierarchy Hierarchy { get; }

    /// <summary>The level held.</summary>
    public string Level { get; }

    /// <summary>True for the whole level (<see cref="LockHierarchy.AcquireAllAsync"/>), false for a set of names.</summary>
    public bool IsWholeLevel { get; }

    /// <summary>The names held, in ordinal order, each once; empty for the whole level.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// The backend locks held, in acquisition order: first the level's intent lock <c>{hierarchy}/{level}</c> (shared
    /// for a set of names, exclusive for the whole level), then <c>{hierarchy}/{level}/{name}</c> per name. Each has
    /// its fencing token and mode.
    /// </summary>
    public IReadOnlyList<LockHandleBase> Locks => _locks;

    /// <summary>Fires when any lock of the set is lost (broken, lease expired, connection lost).</summary>
    public CancellationToken LostToken
    {
        get
        {
            if (Volatile.Read(ref _lost) is { } lost)
            {
                return lost.Token;
            }

            if (IsReleased)
            {
                return CancellationToken.None;
            }

            // Linked on first use only: reading a lock's lost token can cost the backend work (a fast hold adopts a grant).
            var created = new LostSignal(_locks);
            if (Interlocked.CompareExchange(ref _lost, created, null) is { } raced)
            {
                created.Detach();
                return raced.Token;
            }

            if (IsReleased)
            {
                created.Detach();
            }

            return created.Token;
        }
    }

    /// <summary>True once any lock of the set is lost.</summary>
    public bool IsLost => _locks.Any(held => held.IsLost);

    /// <summary>True once released.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Releases every lock of the set, in reverse order of acquisition. Idempotent; never throws.</summary>
    public ValueTask ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return default;
        }

        _claim.End();
        Volatile.Read(ref _lost)?.Detach();
        return ReleaseInReverseAsync(_locks);
    }

    /// <summary>Releases the set; same as <see cref="ReleaseAsync"/>.</summary>
    public ValueTask DisposeAsync() => ReleaseAsync();

    /// <summary>Releases the set, blocking until the backend has answered; for synchronous <c>using</c> blocks.</summary>
    public void Dispose()
    {
        var release = ReleaseAsync();
        if (!release.IsCompleted)
        {
            // A synchronous caller asked to block; ReleaseAsync never throws.
            release.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Shows the hierarchy, the level and what of it is held.</summary>
    public override string ToString() =>
        IsWholeLevel
            ? $"the whole level '{Level}' of lock hierarchy '{Hierarchy.Name}'"
            : $"{string.Join(", ", Names)} of level '{Level}' of lock hierarchy '{Hierarchy.Name}'";

    /// <summary>Releases held locks last to first; each lock's release never throws.</summary>
    internal static ValueTask ReleaseInReverseAsync(IReadOnlyList<LockHandleBase> locks)
    {
        for (var i = locks.Count - 1; i >= 0; i--)
        {
            var release = locks[i].ReleaseAsync();
            if (!release.IsCompletedSuccessfully)
            {
                return ReleaseRestAsync(release, locks, i - 1);
            }
        }

        return default;

        static async ValueTask ReleaseRestAsync(ValueTask pending, IReadOnlyList<LockHandleBase> locks, int next)
        {
            await pending.ConfigureAwait(false);
            for (var i = next; i >= 0; i--)
            {
                await locks[i].ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One token linked to the lost tokens of every lock of the set, unlinked at release.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Design", "CA1001", Justification = "A source without a timer holds nothing to free; left undisposed, LostToken stays readable after release.")]
    private sealed class LostSignal
    {
        private readonly CancellationTokenSource _source = new();
        private readonly CancellationTokenRegistration[] _links;

        public LostSignal(LockHandleBase[] locks)
        {
            _links = new CancellationTokenRegistration[locks.Length];
            for (var i = 0; i < locks.Length; i++)
            {
                _links[i] = locks[i].LostToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), _source);
            }
        }

        public CancellationToken Token => _source.Token;

        /// <summary>Stops following the locks; the source is not disposed so <see cref="Token"/> stays readable.</summary>
        public void Detach()
        {
            foreach (var link in _links)
            {
                link.Dispose();
            }
        }
    }
}
