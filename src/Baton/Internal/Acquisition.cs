using System.Diagnostics;
using Baton.Backends;
using Baton.Diagnostics;
using Baton.Ordering;

namespace Baton.Internal;

/// <summary>
/// The one implementation of waiting: deadlines, cancellation, withdrawal, metrics and tracing, for
/// every primitive and every backend.
/// </summary>
internal static class Acquisition
{
    /// <summary>Acquires or returns null when the timeout passes. Arguments are validated here.</summary>
    public static ValueTask<LockGrant?> RunAsync(
        Coordinator coordinator,
        string name,
        object? preparedName,
        LockKind kind,
        LockMode mode,
        int maxCount,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        MemberIdentity? member = null)
    {
        TimeoutValidation.Validate(timeout, nameof(timeout));
        cancellationToken.ThrowIfCancellationRequested();
        coordinator.ThrowIfDisposed();
        var request = new AcquisitionRequest(name, kind, mode, maxCount, timeout != TimeSpan.Zero, member ?? coordinator.Member, preparedName);
        if (coordinator.Ordering is { } ordering)
        {
            return OrderedAsync(coordinator, ordering, request, timeout, cancellationToken);
        }

        if (BatonTelemetry.ActivitySource.HasListeners() || BatonTelemetry.WaitTime.Enabled)
        {
            return ObservedAsync(coordinator, request, timeout, cancellationToken);
        }

        // Fast path: no tracing and no wait-time histogram, so no timestamps and no async state machine.
        var start = coordinator.Backend.StartAcquisitionAsync(request, cancellationToken);
        if (!start.IsCompletedSuccessfully)
        {
            return ObservedAsync(coordinator, request, timeout, cancellationToken, start.AsTask());
        }

        var started = start.Result;
        if (started.Grant is { } grant)
        {
            CountAcquired(coordinator, request, grant);
            return new(grant);
        }

        if (started.IsDenied)
        {
            if (BatonTelemetry.Timeouts.Enabled)
            {
                BatonTelemetry.Timeouts.Add(1, BatonTelemetry.Tags(kind, mode, coordinator.Scheme));
            }

            return new((LockGrant?)null);
        }

        return ObservedAsync(coordinator, request, timeout, cancellationToken, queued: started.Ticket);
    }

    /// <summary>
    /// True when an acquisition may try the backend's one-object exclusive path
    /// (<see cref="CoordinationBackend.TryAcquireExclusiveFast"/>): valid arguments, nothing to trace or
    /// time. Anything else takes <see cref="RunAsync"/>, which validates and reports.
    /// </summary>
    public static bool MayTakeFastPath(Coordinator coordinator, TimeSpan timeout, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && (timeout == Timeout.InfiniteTimeSpan || (timeout >= TimeSpan.Zero && timeout <= TimeoutValidation.MaxFinite))
        && !coordinator.IsDisposed
        && coordinator.Ordering is null
        && !BatonTelemetry.WaitTime.Enabled
        && !BatonTelemetry.ActivitySource.HasListeners();

    /// <summary>Counts an acquisition of the fast path.</summary>
    public static void CountFastAcquired(Coordinator coordinator)
    {
        if (BatonTelemetry.Acquisitions.Enabled)
        {
            BatonTelemetry.Acquisitions.Add(1, BatonTelemetry.Tags(LockKind.Lock, LockMode.Exclusive, coordinator.Scheme));
        }
    }

    /// <summary>
    /// Waits for a queued ticket until the timeout or cancellation; on giving up, withdraws it and keeps
    /// the grant if it won the race. Returns null on timeout, or when someone else withdrew the ticket.
    /// An <paramref name="upgrade"/>'s grant is the hold the caller keeps: its withdrawal is awaited to the end
    /// (a late grant could not be released without taking the shared hold with it).
    /// </summary>
    public static async ValueTask<LockGrant?> WaitForTicketAsync(
        Coordinator coordinator, AcquisitionTicket ticket, string name, TimeSpan timeout, CancellationToken cancellationToken, bool upgrade = false)
    {
        var cancelled = false;
        try
        {
            return await ticket.Granted.WaitAsync(timeout, coordinator.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        catch (OperationCanceledException) when (ticket.Granted.IsCanceled)
        {
            // Withdrawn by a concurrent release of the handle that was upgrading.
            return null;
        }

        if (!await WithdrawAsync(coordinator, ticket, name, graced: !upgrade).ConfigureAwait(false))
        {
            // The grant won the race with the deadline: success is success.
            return await ticket.Granted.ConfigureAwait(false);
        }

        if (cancelled)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        return null;
    }

    private static async ValueTask<LockGrant?> ObservedAsync(
        Coordinator coordinator,
        AcquisitionRequest request,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Task<AcquisitionStart>? alreadyStarted = null,
        AcquisitionTicket? queued = null,
        HoldRecord? detectedWaiter = null)
    {
        var startedAt = coordinator.TimeProvider.GetTimestamp();
        using var activity = BatonTelemetry.ActivitySource.StartActivity("baton.acquire", ActivityKind.Internal);
        activity?.SetTag("baton.name", request.Name);
        activity?.SetTag("baton.kind", BatonTelemetry.KindName(request.Kind));
        activity?.SetTag("baton.mode", BatonTelemetry.ModeName(request.Mode));
        activity?.SetTag("baton.backend", coordinator.Scheme);

        LockGrant? grant;
        try
        {
            var started = queued is not null ? AcquisitionStart.Queued(queued)
                : alreadyStarted is not null ? await AwaitStartAsync(coordinator, alreadyStarted, request.Name, timeout, cancellationToken).ConfigureAwait(false)
                : await StartAsync(coordinator, request, timeout, cancellationToken).ConfigureAwait(false);
            var watched = false;
            if (detectedWaiter is not null && started.Ticket is { } queuedTicket)
            {
                if (WaitsForGraph.TryEnter(detectedWaiter) is { } cycle)
                {
                    return await RefuseDeadlockedWaitAsync(coordinator, queuedTicket, request.Name, cycle).ConfigureAwait(false);
                }

                watched = true;
            }

            try
            {
                grant = started.Grant ?? (started.Ticket is not { } ticket ? null
                    : timeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled
                        ? await ticket.Granted.ConfigureAwait(false) // Nothing can end this wait early: no withdrawal to arrange.
                        : await WaitForTicketAsync(coordinator, ticket, request.Name, Remaining(coordinator, timeout, startedAt), cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                if (watched)
                {
                    WaitsForGraph.Leave(detectedWaiter!);
                }
            }
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }

        var tags = BatonTelemetry.Tags(request.Kind, request.Mode, coordinator.Scheme);
        if (grant is null)
        {
            activity?.SetTag("baton.acquired", false);
            BatonTelemetry.Timeouts.Add(1, tags);
            return null;
        }

        activity?.SetTag("baton.acquired", true);
        activity?.SetTag("baton.fencing_token", grant.FencingToken);
        BatonTelemetry.WaitTime.Record(coordinator.TimeProvider.GetElapsedTime(startedAt).TotalSeconds, tags);
        CountAcquired(coordinator, request, grant);
        return grant;
    }

    /// <summary>
    /// The acquisition path with the lock-order checker or the deadlock detector on. The order check and the
    /// record of the pending hold happen here, synchronously, in the caller's flow (see <see cref="FlowHolds"/>).
    /// </summary>
    private static ValueTask<LockGrant?> OrderedAsync(
        Coordinator coordinator, OrderingHooks ordering, AcquisitionRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var hold = ordering.Begin(request, timeout);
        ValueTask<LockGrant?> acquiring;
        try
        {
            acquiring = ObservedAsync(
                coordinator, request, timeout, cancellationToken, detectedWaiter: ordering.DetectsDeadlocks ? hold : null);
        }
        catch
        {
            hold.Complete(null);
            throw;
        }

        if (acquiring.IsCompletedSuccessfully)
        {
            hold.Complete(acquiring.Result);
            return acquiring;
        }

        return CompleteAsync(hold, acquiring);

        static async ValueTask<LockGrant?> CompleteAsync(HoldRecord hold, ValueTask<LockGrant?> acquiring)
        {
            LockGrant? grant = null;
            try
            {
                grant = await acquiring.ConfigureAwait(false);
                return grant;
            }
            finally
            {
                hold.Complete(grant);
            }
        }
    }

    /// <summary>
    /// Withdraws a wait that would close a cycle of waiting flows and throws <see cref="DeadlockException"/>;
    /// when the grant won the race with the withdrawal, there was no deadlock after all and the grant is kept.
    /// </summary>
    private static async ValueTask<LockGrant?> RefuseDeadlockedWaitAsync(
        Coordinator coordinator, AcquisitionTicket ticket, string name, string cycle)
    {
        if (!await WithdrawAsync(coordinator, ticket, name).ConfigureAwait(false))
        {
            return await ticket.Granted.ConfigureAwait(false);
        }

        Log.DeadlockDetected(coordinator.Logger, cycle);
        throw new DeadlockException(cycle);
    }

    /// <summary>
    /// How long a withdrawal, which may be a round trip, may add to the caller's timeout. A server that does not answer
    /// it in time (a partition) must not hold the caller's answer for the client library's own timeout.
    /// </summary>
    internal static readonly TimeSpan WithdrawGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Withdraws a queued wait; false when the grant came first (it is then the caller's to take). When
    /// <paramref name="graced"/>, a withdrawal not answered within <see cref="WithdrawGrace"/> counts as done, and a
    /// grant it turns out to have raced is released.
    /// </summary>
    private static async ValueTask<bool> WithdrawAsync(Coordinator coordinator, AcquisitionTicket ticket, string name, bool graced = true)
    {
        Task<bool>? pending = null;
        try
        {
            var withdrawing = ticket.WithdrawAsync();
            if (withdrawing.IsCompleted)
            {
                return await withdrawing.ConfigureAwait(false);
            }

            pending = withdrawing.AsTask();
            return graced ? await pending.WaitAsync(WithdrawGrace, coordinator.TimeProvider).ConfigureAwait(false) : await pending.ConfigureAwait(false);
        }
        catch (TimeoutException) when (pending is { IsCompleted: false })
        {
            _ = ReleaseIfGrantedLateAsync(coordinator, ticket, pending, name);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The backend's lease or session removes the stale queue entry.
            Log.WithdrawFailed(coordinator.Logger, name, coordinator.BackendUrl, e);
            return true;
        }
    }

    /// <summary>After a withdrawal that outlasted its grace: the caller was told it did not acquire, so a grant that won the race goes.</summary>
    private static async Task ReleaseIfGrantedLateAsync(Coordinator coordinator, AcquisitionTicket ticket, Task<bool> withdrawing, string name)
    {
        try
        {
            if (!await withdrawing.ConfigureAwait(false))
            {
                await (await ticket.Granted.ConfigureAwait(false)).ReleaseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Log.WithdrawFailed(coordinator.Logger, name, coordinator.BackendUrl, e);
        }
    }

    /// <summary>Starts at the backend; only a start that does not complete at once is awaited as a task.</summary>
    private static ValueTask<AcquisitionStart> StartAsync(
        Coordinator coordinator, AcquisitionRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = coordinator.Backend.StartAcquisitionAsync(request, cancellationToken);
        return start.IsCompletedSuccessfully
            ? start
            : new(AwaitStartAsync(coordinator, start.AsTask(), request.Name, timeout, cancellationToken));
    }

    /// <summary>
    /// Awaits a start that did not complete at once. With a positive timeout, a backend that stalls on
    /// its first round trip must not outlast it: the caller gets "not acquired" (or the cancellation),
    /// and whatever the start yields later is released or withdrawn when it arrives. A zero timeout
    /// still allows the one round trip of the try, bounded by the backend's own operation timeout.
    /// </summary>
    private static async Task<AcquisitionStart> AwaitStartAsync(
        Coordinator coordinator, Task<AcquisitionStart> starting, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return timeout == TimeSpan.Zero
                ? await starting.WaitAsync(cancellationToken).ConfigureAwait(false)
                : await starting.WaitAsync(timeout, coordinator.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!starting.IsCompleted && (e is TimeoutException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested)))
        {
            _ = UndoLateStartAsync(coordinator, starting, name);
            if (e is TimeoutException)
            {
                return AcquisitionStart.Denied;
            }

            throw;
        }
    }

    private static async Task UndoLateStartAsync(Coordinator coordinator, Task<AcquisitionStart> starting, string name)
    {
        try
        {
            var late = await starting.ConfigureAwait(false);
            if (late.Grant is { } grant)
            {
                await grant.ReleaseAsync().ConfigureAwait(false);
            }
            else if (late.Ticket is { } ticket && !await ticket.WithdrawAsync().ConfigureAwait(false))
            {
                await (await ticket.Granted.ConfigureAwait(false)).ReleaseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // The backend's lease or session cleans up what could not be undone.
            Log.WithdrawFailed(coordinator.Logger, name, coordinator.BackendUrl, e);
        }
    }

    private static TimeSpan Remaining(Coordinator coordinator, TimeSpan timeout, long startedAt)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return timeout;
        }

        var left = timeout - coordinator.TimeProvider.GetElapsedTime(startedAt);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static void CountAcquired(Coordinator coordinator, AcquisitionRequest request, LockGrant grant)
    {
        if (BatonTelemetry.Acquisitions.Enabled)
        {
            BatonTelemetry.Acquisitions.Add(1, BatonTelemetry.Tags(request.Kind, request.Mode, coordinator.Scheme));
        }

        if (grant.Takeover is { } notice)
        {
            Log.TookOver(coordinator.Logger, request.Name, notice.PreviousHolder, notice.PreviousFencingToken, notice.Reason);
        }
    }
}
