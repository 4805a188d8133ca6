using System.Diagnostics;
using Xunit;
using Xunit.Sdk;

namespace Baton.Conformance;

/// <summary>
/// The plumbing of the conformance suite: coordinators on the backend under test (disposed after each
/// test), unique names, the backend's capabilities, and waiting on observable conditions instead of sleeping.
/// A backend's test project derives one sealed class per conformance class and overrides <see cref="BackendUrl"/>
/// and the capabilities it lacks.
/// </summary>
public abstract class ConformanceTestBase : IAsyncLifetime
{
    private readonly List<Coordinator> _coordinators = [];
    private readonly Lock _gate = new();
    private Coordinator? _coordinator;

    /// <summary>The URL of the backend under test, e.g. <c>memory://conformance-locks</c>.</summary>
    protected abstract string BackendUrl { get; }

    /// <summary>The backend can break a live holder (rule 13). When false, breaking must throw <see cref="NotSupportedException"/>.</summary>
    protected virtual bool SupportsBreak => true;

    /// <summary>Waiters are served first-come, first-served (rule 7). When false, the order checks only check that everyone is served.</summary>
    protected virtual bool IsFifo => true;

    /// <summary>A broken holder's lost token fires (rules 4 and 13). When false, the suite only checks the break itself.</summary>
    protected virtual bool SignalsLossOnBreak => true;

    /// <summary>The takeover reasons a backend may report after a coordinator was disposed while holding (rule 12).</summary>
    protected virtual IReadOnlyCollection<TakeoverReason> AbandonReasons => [TakeoverReason.Abandoned];

    /// <summary>How long something that must happen may take before the test fails (never slept).</summary>
    protected virtual TimeSpan Patience => TimeSpan.FromSeconds(10);

    /// <summary>How long to watch that something does NOT happen; keep it short, the suite must stay fast.</summary>
    protected virtual TimeSpan Quiet => TimeSpan.FromMilliseconds(200);

    /// <summary>Rule 6: a cancellation token is honoured within 100 ms. Scheduling noise is allowed on top of it.</summary>
    protected virtual TimeSpan CancellationBound => TimeSpan.FromMilliseconds(100);

    /// <summary>How far a backend's clock (used for listing times) may be from this process's.</summary>
    protected virtual TimeSpan ClockTolerance => TimeSpan.FromSeconds(1);

    /// <summary>The test's first coordinator, created before each test.</summary>
    protected Coordinator Coordinator => _coordinator ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _coordinator = await CreateCoordinatorAsync();

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        Coordinator[] created;
        lock (_gate)
        {
            created = [.. _coordinators];
            _coordinators.Clear();
        }

        for (var i = created.Length - 1; i >= 0; i--)
        {
            await created[i].DisposeAsync();
        }
    }

    /// <summary>Connects another coordinator (another session: the in-process stand-in for another process); disposed after the test.</summary>
    /// <param name="options">Options such as a member id; null for defaults.</param>
    protected virtual async Task<Coordinator> CreateCoordinatorAsync(CoordinatorOptions? options = null)
    {
        var coordinator = await Coordinator.ConnectAsync(BackendUrl, options);
        lock (_gate)
        {
            _coordinators.Add(coordinator);
        }

        return coordinator;
    }

    /// <summary>A name no other test uses: the purpose plus a GUID.</summary>
    /// <param name="purpose">A readable hint of what the name is for.</param>
    protected static string UniqueName(string purpose = "lock") => $"{purpose}-{Guid.NewGuid():N}";

    /// <summary>The listing entry of one name, or null when the name is neither held nor awaited.</summary>
    protected async Task<LockInfo?> FindAsync(string name, LockKind kind = LockKind.Lock, Coordinator? coordinator = null)
    {
        var locks = await (coordinator ?? Coordinator).ListLocksAsync();
        return locks.SingleOrDefault(l => l.Name == name && l.Kind == kind);
    }

    /// <summary>Polls the listing until the condition holds for the name, failing after <see cref="Patience"/>.</summary>
    protected async Task<LockInfo?> WaitForListingAsync(string name, Func<LockInfo?, bool> condition, string what, LockKind kind = LockKind.Lock)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var info = await FindAsync(name, kind);
            if (condition(info))
            {
                return info;
            }

            if (waited.Elapsed > Patience)
            {
                throw new XunitException($"Waited {Patience} for {what} on '{name}'; the listing shows {Describe(info)}.");
            }

            // Polling an observable condition, not sleeping in place of synchronization.
            await Task.Delay(5);
        }
    }

    /// <summary>Waits until the listing shows exactly this many waiters for the name (so the arrival order is known).</summary>
    protected Task WaitForWaitersAsync(string name, int count, LockKind kind = LockKind.Lock) =>
        WaitForListingAsync(name, info => (info?.Waiters.Count ?? 0) == count, $"{count} waiter(s)", kind);

    /// <summary>Waits until the name is neither held nor awaited.</summary>
    protected Task WaitUntilFreeAsync(string name, LockKind kind = LockKind.Lock) =>
        WaitForListingAsync(name, info => info is null, "the name to disappear from the listing", kind);

    /// <summary>Asserts that none of the tasks completes within <see cref="Quiet"/>.</summary>
    protected async Task AssertStillPendingAsync(params Task[] tasks)
    {
        if (tasks.Length > 0)
        {
            await Task.WhenAny(Task.WhenAny(tasks), Task.Delay(Quiet));
        }

        for (var i = 0; i < tasks.Length; i++)
        {
            Assert.False(tasks[i].IsCompleted, $"Task {i} completed ({tasks[i].Status}) although it should still be waiting.");
        }
    }

    /// <summary>Awaits a task that must complete within <see cref="Patience"/>.</summary>
    protected Task<T> WithinPatience<T>(Task<T> task) => task.WaitAsync(Patience);

    /// <summary>Awaits a task that must complete within <see cref="Patience"/>.</summary>
    protected Task WithinPatience(Task task) => task.WaitAsync(Patience);

    /// <summary>Releases, in completion order, every handle the pending acquisitions get (a chain of hand-overs).</summary>
    protected async Task DrainAsync<THandle>(IEnumerable<Task<THandle>> acquisitions)
        where THandle : LockHandleBase
    {
        var pending = acquisitions.ToList();
        while (pending.Count > 0)
        {
            var done = await WithinPatience(Task.WhenAny(pending));
            pending.Remove(done);
            await (await done).DisposeAsync();
        }
    }

    /// <summary>Asserts that a cancellation was honoured within <see cref="CancellationBound"/> (rule 6), plus as much again for scheduling noise.</summary>
    protected void AssertPromptCancellation(TimeSpan elapsed)
    {
        var bound = CancellationBound + CancellationBound;
        Assert.True(
            elapsed <= bound,
            $"Cancellation took {elapsed.TotalMilliseconds:F0} ms; the contract allows {CancellationBound.TotalMilliseconds:F0} ms.");
    }

    private static string Describe(LockInfo? info) =>
        info is null
            ? "nothing"
            : $"{info.Holders.Count} holder(s) [{string.Join(", ", info.Holders.Select(h => $"{h.Mode} #{h.FencingToken}"))}] and {info.Waiters.Count} waiter(s) [{string.Join(", ", info.Waiters.Select(w => w.Mode))}]";
}
