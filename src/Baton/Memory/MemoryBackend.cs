using Baton.Backends;

namespace Baton.Memory;

/// <summary>One coordinator's session on a memory scope. Disposing it ends its holds as a crash would.</summary>
internal sealed class MemoryBackend(MemoryStore store, MemberIdentity member, TimeProvider timeProvider) : CoordinationBackend
{
    private int _disposed;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public MemberIdentity Member { get; } = member;

    // Looked up now, so even a primitive's first acquisition can take the one-object path.
    public override object? PrepareName(LockKind kind, string name) => new MemoryNameSlot { State = store.GetState(kind, name) };

    internal override LockHandle? TryAcquireExclusiveFast(Coordinator coordinator, string name, object? preparedName) =>
        preparedName is MemoryNameSlot { State: { } state } ? state.TryAcquireFast(this, coordinator, name) : null;

    public override ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        // The primitive's slot remembers the name's state; a swept state refuses, and the name is looked up again.
        var slot = request.PreparedName as MemoryNameSlot;
        var state = slot?.State ?? store.GetState(request.Kind, request.Name);
        while (true)
        {
            if (state.TryStart(this, request, out var start))
            {
                slot?.State = state;
                return new(start);
            }

            state = store.GetState(request.Kind, request.Name);
        }
    }

    public override ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var now = TimeProvider.GetUtcNow();
        var locks = new List<LockInfo>();
        foreach (var state in store.AllStates)
        {
            if (state.Describe(now) is { } info)
            {
                locks.Add(info);
            }
        }

        locks.Sort(static (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Name, b.Name));
        return new(locks);
    }

    public override ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return new(store.FindState(kind, name)?.Describe(TimeProvider.GetUtcNow()));
    }

    // Reading a name in memory costs a microsecond, so observers read often rather than hooking every hold's
    // fast path (an uncontended lock is one compare-and-swap that tells nobody).
    public override ValueTask<NameWatch?> WatchNameAsync(LockKind kind, string name, CancellationToken cancellationToken) =>
        new(new Internal.PollingNameWatch(TimeProvider, TimeSpan.FromMilliseconds(5)));

    public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (store.FindState(kind, name) is not { } state)
        {
            return new(Array.Empty<LockHolder>());
        }

        var broken = state.Break(TimeProvider.GetUtcNow());
        foreach (var grant in broken)
        {
            grant.MarkLost(LossReason.Broken);
        }

        return new(broken.ConvertAll(static g => g.Describe()));
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return default;
        }

        var now = TimeProvider.GetUtcNow();
        foreach (var state in store.AllStates)
        {
            foreach (var grant in state.Abandon(this, now))
            {
                grant.MarkLost(LossReason.CoordinatorDisposed);
            }
        }

        return default;
    }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, typeof(Coordinator));
}
