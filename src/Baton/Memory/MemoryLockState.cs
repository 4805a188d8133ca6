using Baton.Backends;
using Baton.Internal;

namespace Baton.Memory;

/// <summary>
/// One name of a memory scope: its holders and its FIFO queue. A release grants the head of the queue
/// (one writer, or the run of readers at the head), so nobody else wakes.
/// </summary>
/// <remarks>
/// Two modes. <b>Fast</b>: <see cref="_fast"/> is null (idle) or the one exclusive holder — a
/// <see cref="LockHandle"/> made by <see cref="TryAcquireFast"/>, or a grant of the general path — and
/// nothing else exists: an uncontended exclusive acquire and release are one compare-and-swap each,
/// with no lock (MemoryLockState.FastPath.cs). <b>Slow</b>: <see cref="_fast"/> is <see cref="SlowMode"/> and everything lives under
/// <see cref="_gate"/>. Any other operation first moves the state to slow mode (adopting a fast holder
/// into <see cref="_holders"/>), and the state returns to fast mode when it is idle again.
/// </remarks>
internal sealed partial class MemoryLockState : FastHoldOwner
{
    private static readonly object SlowMode = new();

    private readonly Lock _gate = new();
    private object? _fast;
    private readonly MemoryStore _store;
    private readonly List<MemoryGrant> _holders = new(1);
    private MemoryWaiter? _head;
    private MemoryWaiter? _tail;

    // A pending upgrade goes before the queue: it already holds shared, so it only waits for the other readers.
    private MemoryWaiter? _upgrade;
    private TakeoverNotice? _pendingTakeover;
    private int _maxCount = 1;
    private long _fencingCounter;
    private bool _retired;

    public MemoryLockState(MemoryStore store, LockKind kind, string name)
    {
        _store = store;
        Kind = kind;
        Name = name;
        _fencingCounter = store.FencingFloor;
    }

    public LockKind Kind { get; }

    public string Name { get; }

    private bool IsIdle => _holders.Count == 0 && _head is null && _upgrade is null && _pendingTakeover is null;

    /// <summary>Starts an acquisition; false when this state was swept and the caller must look the name up again.</summary>
    public bool TryStart(MemoryBackend session, in AcquisitionRequest request, out AcquisitionStart start)
    {
        if (request.Mode == LockMode.Exclusive && Volatile.Read(ref _fast) is null && TryStartFast(session, request.Member) is { } fast)
        {
            start = AcquisitionStart.Granted(fast);
            return true;
        }

        lock (_gate)
        {
            using var slow = EnterSlowMode();
            if (_retired)
            {
                start = default;
                return false;
            }

            session.ThrowIfDisposed();
            if (Kind == LockKind.Semaphore)
            {
                AgreeOnCount(request.MaxCount);
            }

            if (_head is null && _upgrade is null && CanGrant(request.Mode))
            {
                start = AcquisitionStart.Granted(NewGrant(session, request.Mode, request.Member, TakePendingTakeover()));
                return true;
            }

            if (!request.Wait)
            {
                start = AcquisitionStart.Denied;
                return true;
            }

            var waiter = new MemoryWaiter(this, session, request.Mode, request.Member);
            Enqueue(waiter);
            start = AcquisitionStart.Queued(waiter);
            return true;
        }
    }

    public void Release(MemoryGrant grant)
    {
        if (TryReleaseFast(grant))
        {
            return;
        }

        lock (_gate)
        {
            using var slow = EnterSlowMode();
            if (!_holders.Remove(grant))
            {
                return; // Broken or abandoned already.
            }

            if (_upgrade?.Upgrading == grant)
            {
                _upgrade.Cancel();
                _upgrade = null;
            }

            Pump();
        }
    }

    public bool Withdraw(MemoryWaiter waiter)
    {
        lock (_gate)
        {
            using var slow = EnterSlowMode();
            if (waiter.IsGranted)
            {
                return false;
            }

            if (waiter.IsDone)
            {
                return true;
            }

            if (_upgrade == waiter)
            {
                _upgrade = null;
            }
            else
            {
                Unlink(waiter);
            }

            waiter.Cancel();

            // A withdrawn writer at the head may have been all that kept the readers behind it waiting.
            Pump();
            return true;
        }
    }

    public AcquisitionStart StartUpgrade(MemoryGrant grant, bool wait)
    {
        lock (_gate)
        {
            using var slow = EnterSlowMode();
            ThrowIfNotHeld(grant);
            if (grant.Mode != LockMode.Shared)
            {
                return AcquisitionStart.Granted(grant);
            }

            if (_upgrade is not null)
            {
                throw new DeadlockException(
                    $"Two readers of '{Name}' tried to upgrade at once; each would wait for the other to leave. Release the read lock and take the write lock instead, or let one reader upgrade at a time.");
            }

            if (_holders.Count == 1)
            {
                grant.SetMode(LockMode.Exclusive, ++_fencingCounter);
                return AcquisitionStart.Granted(grant);
            }

            if (!wait)
            {
                return AcquisitionStart.Denied;
            }

            _upgrade = new MemoryWaiter(this, grant.Session, LockMode.Exclusive, grant.Member, grant);
            return AcquisitionStart.Queued(_upgrade);
        }
    }

    public void Downgrade(MemoryGrant grant)
    {
        lock (_gate)
        {
            using var slow = EnterSlowMode();
            ThrowIfNotHeld(grant);
            if (grant.Mode == LockMode.Exclusive)
            {
                grant.SetMode(LockMode.Shared);
                Pump();
            }
        }
    }

    /// <summary>Ends every hold (operator's break); returns the grants whose lost tokens the caller fires outside the gate.</summary>
    public List<MemoryGrant> Break(DateTimeOffset now) => EndHolds(session: null, TakeoverReason.Broken, now);

    /// <summary>Ends the holds and waits of a closing session, as a crash of that member would.</summary>
    public List<MemoryGrant> Abandon(MemoryBackend session, DateTimeOffset now) => EndHolds(session, TakeoverReason.Abandoned, now);

    public LockInfo? Describe(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (DescribeFastHolder() is { } fastHolder)
            {
                return new LockInfo(Name, Kind, 1, [fastHolder], [], now);
            }

            if (_holders.Count == 0 && _head is null && _upgrade is null)
            {
                return null;
            }

            var holders = _holders.ConvertAll(static h => h.Describe());
            var waiters = new List<LockWaiter>();
            if (_upgrade is not null)
            {
                waiters.Add(_upgrade.Describe());
            }

            for (var w = _head; w is not null; w = w.Next)
            {
                waiters.Add(w.Describe());
            }

            return new LockInfo(Name, Kind, Kind == LockKind.Semaphore ? _maxCount : 1, holders, waiters, now);
        }
    }

    /// <summary>Marks an idle state as swept, so late lookups retry with a fresh one.</summary>
    public bool TryRetire()
    {
        lock (_gate)
        {
            if (_retired || !IsIdle || !ReferenceEquals(Interlocked.CompareExchange(ref _fast, SlowMode, null) ?? SlowMode, SlowMode))
            {
                return false;
            }

            _store.RaiseFencingFloor(_fencingCounter);
            _retired = true;
            return true;
        }
    }

    private List<MemoryGrant> EndHolds(MemoryBackend? session, TakeoverReason reason, DateTimeOffset now)
    {
        var ended = new List<MemoryGrant>();
        lock (_gate)
        {
            using var slow = EnterSlowMode();
            for (var i = _holders.Count - 1; i >= 0; i--)
            {
                var grant = _holders[i];
                if (session is null || grant.Session == session)
                {
                    _holders.RemoveAt(i);
                    ended.Add(grant);
                }
            }

            if (_upgrade is { } upgrade && (session is null ? ended.Contains(upgrade.Upgrading!) : upgrade.Session == session))
            {
                _upgrade = null;
                upgrade.Fail(new InvalidOperationException($"'{Name}' was lost ({reason}) while upgrading."));
            }

            if (session is not null)
            {
                for (var w = _head; w is not null;)
                {
                    var next = w.Next;
                    if (w.Session == session)
                    {
                        Unlink(w);
                        w.Fail(new ObjectDisposedException(nameof(Coordinator), $"The coordinator waiting for '{Name}' was disposed."));
                    }

                    w = next;
                }
            }

            if (ended.Count > 0)
            {
                var last = ended.MaxBy(static g => g.FencingToken)!;
                _pendingTakeover = new TakeoverNotice(last.Member, last.FencingToken, reason, now);
            }

            Pump();
        }

        return ended;
    }

    private void ThrowIfNotHeld(MemoryGrant grant)
    {
        if (!_holders.Contains(grant))
        {
            throw new InvalidOperationException($"'{Name}' is no longer held by this handle ({grant.LossReason?.ToString() ?? "released"}).");
        }
    }

    private void AgreeOnCount(int maxCount)
    {
        if (maxCount == _maxCount)
        {
            return;
        }

        if (_holders.Count > 0 || _head is not null)
        {
            throw new InvalidOperationException(
                $"Semaphore '{Name}' is in use with a count of {_maxCount}; this request asked for {maxCount}. Every user of a semaphore must agree on its count.");
        }

        _maxCount = maxCount;
    }

    private bool CanGrant(LockMode mode) => mode switch
    {
        LockMode.Exclusive => _holders.Count == 0,
        LockMode.Shared => _holders.Count == 0 || _holders[0].Mode == LockMode.Shared,
        _ => _holders.Count < _maxCount,
    };

    /// <summary>Grants the pending upgrade or the head of the queue while they fit; nobody else is woken.</summary>
    private void Pump()
    {
        if (_upgrade is { } upgrade)
        {
            if (_holders.Count != 1 || _holders[0] != upgrade.Upgrading)
            {
                return;
            }

            _upgrade = null;
            upgrade.Upgrading.SetMode(LockMode.Exclusive, ++_fencingCounter);
            upgrade.Grant(upgrade.Upgrading);
        }

        TakeoverNotice? takeover = null;
        var first = true;
        while (_head is { } waiter && CanGrant(waiter.Mode))
        {
            if (first)
            {
                // Everyone let in by this release learns of the unclean end before it.
                takeover = TakePendingTakeover();
                first = false;
            }

            Unlink(waiter);
            waiter.Grant(NewGrant(waiter.Session, waiter.Mode, waiter.Member, takeover));
        }
    }

    private MemoryGrant NewGrant(MemoryBackend session, LockMode mode, MemberIdentity member, TakeoverNotice? takeover)
    {
        var grant = new MemoryGrant(this, session, mode, member, ++_fencingCounter, takeover);
        _holders.Add(grant);
        return grant;
    }

    private TakeoverNotice? TakePendingTakeover()
    {
        var notice = _pendingTakeover;
        _pendingTakeover = null;
        return notice;
    }

    private void Enqueue(MemoryWaiter waiter)
    {
        waiter.Previous = _tail;
        if (_tail is null)
        {
            _head = waiter;
        }
        else
        {
            _tail.Next = waiter;
        }

        _tail = waiter;
    }

    private void Unlink(MemoryWaiter waiter)
    {
        if (waiter.Previous is null)
        {
            _head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = null;
        waiter.Next = null;
    }
}
