using System.Collections.Concurrent;

namespace Baton.Memory;

/// <summary>
/// The names of one memory scope, shared by every coordinator of the process that uses the same URL.
/// Idle names are swept in amortised batches so that a stream of distinct names does not leak.
/// </summary>
internal sealed class MemoryStore
{
    private const int MinSweepThreshold = 1024;

    private static readonly ConcurrentDictionary<string, MemoryStore> Scopes = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, MemoryLockState> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MemoryLockState> _semaphores = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MemoryLockState> _groups = new(StringComparer.Ordinal);
    private readonly Lock _sweepGate = new();
    private int _sweepThreshold = MinSweepThreshold;

    // Each name counts its own fencing tokens under its gate; a swept name leaves its last token
    // here, and every name created later starts above it, so tokens never go back.
    private long _fencingFloor;

    public static MemoryStore ForScope(string scope) => Scopes.GetOrAdd(scope, static _ => new MemoryStore());

    public long FencingFloor => Volatile.Read(ref _fencingFloor);

    public void RaiseFencingFloor(long token)
    {
        var floor = Volatile.Read(ref _fencingFloor);
        while (token > floor)
        {
            var seen = Interlocked.CompareExchange(ref _fencingFloor, token, floor);
            if (seen == floor)
            {
                return;
            }

            floor = seen;
        }
    }

    public IEnumerable<MemoryLockState> AllStates => _locks.Values.Concat(_semaphores.Values).Concat(_groups.Values);

    /// <summary>The live state of a name; a swept state refuses to start, and the caller looks the name up again.</summary>
    public MemoryLockState GetState(LockKind kind, string name)
    {
        var states = StatesOf(kind);
        if (states.TryGetValue(name, out var state))
        {
            return state;
        }

        state = states.GetOrAdd(name, static (n, args) => new MemoryLockState(args.store, args.kind, n), (store: this, kind));
        if (states.Count > Volatile.Read(ref _sweepThreshold))
        {
            Sweep();
        }

        return state;
    }

    public MemoryLockState? FindState(LockKind kind, string name) =>
        StatesOf(kind).TryGetValue(name, out var state) ? state : null;

    private ConcurrentDictionary<string, MemoryLockState> StatesOf(LockKind kind) => kind switch
    {
        LockKind.Lock => _locks,
        LockKind.Semaphore => _semaphores,
        _ => _groups,
    };

    private void Sweep()
    {
        if (!_sweepGate.TryEnter())
        {
            return;
        }

        try
        {
            foreach (var states in new[] { _locks, _semaphores, _groups })
            {
                foreach (var pair in states)
                {
                    if (pair.Value.TryRetire())
                    {
                        states.TryRemove(pair);
                    }
                }
            }

            Volatile.Write(ref _sweepThreshold, Math.Max(MinSweepThreshold, 2 * (_locks.Count + _semaphores.Count + _groups.Count)));
        }
        finally
        {
            _sweepGate.Exit();
        }
    }
}
