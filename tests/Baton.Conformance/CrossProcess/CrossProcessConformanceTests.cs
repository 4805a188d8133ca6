using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Xunit;

namespace Baton.Conformance.CrossProcess;

/// <summary>
/// The contract between processes (DESIGN.md: mutual exclusion, fencing, crash release, fair handoff,
/// introspection, takeover notices), checked with real child processes (<see cref="HolderProcess"/>) that a
/// test can kill -9. Derive once per backend that spans processes (file, redis, postgres, etcd,
/// zookeeper); memory:// does not. The deriving test project must reference tests/Baton.TestHolder with
/// <c>ReferenceOutputAssembly="false"</c> (so it is built) and the backend's package (so the child can load it).
/// </summary>
public abstract class CrossProcessConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly List<HolderProcess> _holders = [];
    private readonly List<Coordinator> _coordinators = [];
    private Coordinator? _parent;

    /// <summary>The backend URL every process of a test connects to.</summary>
    protected abstract string BackendUrl { get; }

    /// <summary>
    /// True when the backend ties a hold to a connection, session or open file, so a killed holder's
    /// holds end at once (file, PostgreSQL); false when they end with a lease (etcd, Redis, ZooKeeper).
    /// </summary>
    protected virtual bool CrashReleaseIsImmediate => true;

    /// <summary>
    /// How long after a holder is killed its holds and queue entries must be gone. Default: 5 seconds
    /// when <see cref="CrashReleaseIsImmediate"/> (slack for a loaded machine), else 20 seconds (the
    /// default 15 s lease plus slack); lease backends should test with a short TTL and override this.
    /// </summary>
    protected virtual TimeSpan CrashReleaseWithin => CrashReleaseIsImmediate ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20);

    /// <summary>True when a holder that takes over from a crashed one gets a <see cref="TakeoverNotice"/> naming it.</summary>
    protected virtual bool SupportsTakeoverNotice => true;

    /// <summary>How long a child process may take to answer a command.</summary>
    protected virtual TimeSpan ReplyTimeout => TimeSpan.FromSeconds(30);

    /// <summary>This test process's coordinator on <see cref="BackendUrl"/>.</summary>
    protected Coordinator Parent => _parent ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <inheritdoc/>
    public virtual async Task InitializeAsync() => _parent = await ConnectAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public virtual async Task DisposeAsync()
    {
        foreach (var holder in _holders)
        {
            await holder.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var coordinator in _coordinators)
        {
            await Guard(coordinator.DisposeAsync()).ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task Lock_HeldByOtherProcess_ParentExcludedUntilReleasedThenGetsGreaterToken()
    {
        var name = UniqueName("exclusion");
        var child = await StartHolderAsync();
        var held = await child.AcquireAsync(name, HolderMode.Lock);
        Assert.True(held.FencingToken > 0, $"A fencing token must be positive; got {held.FencingToken}.");

        var target = Parent.CreateLock(name);
        Assert.Null(await Guard(target.TryAcquireAsync()));
        Assert.Null(await Guard(target.TryAcquireAsync(TimeSpan.FromMilliseconds(100))));
        Assert.Null(await Guard(Parent.CreateReaderWriterLock(name).TryAcquireReadAsync()));

        await held.ReleaseAsync();
        var handle = await Guard(target.TryAcquireAsync());
        Assert.True(handle is not null, "The lock was not free right after the other process released it.");
        Assert.True(handle.FencingToken > held.FencingToken, $"Token {handle.FencingToken} after the other process's {held.FencingToken}.");
        Assert.Null(handle.Takeover);
    }

    [Fact]
    public async Task Lock_HeldByParent_OtherProcessExcludedUntilReleasedThenGetsGreaterToken()
    {
        var name = UniqueName("exclusion-reverse");
        var child = await StartHolderAsync();
        var handle = await Guard(Parent.CreateLock(name).AcquireAsync(ReplyTimeout), ReplyTimeout);

        Assert.Null(await child.TryAcquireAsync(name, HolderMode.Lock));
        Assert.Null(await child.TryAcquireAsync(name, HolderMode.Lock, TimeSpan.FromMilliseconds(100)));

        await Guard(handle.DisposeAsync());
        var grant = await child.TryAcquireAsync(name, HolderMode.Lock);
        Assert.True(grant is not null, "The lock was not free for the other process right after the parent released it.");
        Assert.True(grant.FencingToken > handle.FencingToken, $"Token {grant.FencingToken} after the parent's {handle.FencingToken}.");
        Assert.Null(grant.Takeover);
    }

    [Fact]
    public async Task Lock_OddNameAcrossProcesses_IsTheSameLock()
    {
        var name = UniqueName("ödd name/../CON/ with spaces\\ and 🔒");
        var child = await StartHolderAsync();
        var held = await child.AcquireAsync(name, HolderMode.Lock);

        Assert.Null(await Guard(Parent.CreateLock(name).TryAcquireAsync()));
        var info = Assert.Single(await Guard(Parent.ListLocksAsync()), i => i.Name == name);
        Assert.Equal(child.Pid, Assert.Single(info.Holders).Member.ProcessId);

        await held.ReleaseAsync();
        Assert.NotNull(await Guard(Parent.CreateLock(name).TryAcquireAsync()));
    }

    [Fact]
    public async Task Lock_HolderKilled_ReleasedWithinCrashReleaseTimeWithTakeoverNotice()
    {
        var name = UniqueName("crash");
        var child = await StartHolderAsync();
        var held = await child.AcquireAsync(name, HolderMode.Lock);
        var target = Parent.CreateLock(name);
        Assert.Null(await Guard(target.TryAcquireAsync()));

        await child.KillHardAsync();
        var handle = await Guard(target.TryAcquireAsync(CrashReleaseWithin), CrashReleaseWithin);

        Assert.True(handle is not null, $"The lock held by killed pid {child.Pid} was not released within {CrashReleaseWithin}.");
        Assert.True(handle.FencingToken > held.FencingToken, $"Token {handle.FencingToken} after the killed holder's {held.FencingToken}.");
        AssertTakeoverFrom(handle, child, held);
    }

    [Fact]
    public async Task Lock_HolderKilledWhileParentWaits_WaiterGrantedWithinCrashReleaseTime()
    {
        var name = UniqueName("crash-waiter");
        var child = await StartHolderAsync();
        var held = await child.AcquireAsync(name, HolderMode.Lock);
        var waiting = Parent.CreateLock(name).TryAcquireAsync(CrashReleaseWithin + ReplyTimeout).AsTask();
        await WaitForListingAsync(
            Parent, name, i => HasWaiter(i, Environment.ProcessId) || waiting.IsCompleted, ReplyTimeout, "the parent to be listed as a waiter");
        Assert.False(waiting.IsCompleted, "The parent's acquisition ended while another process held the lock.");

        await child.KillHardAsync();
        var handle = await WithinAsync(waiting, CrashReleaseWithin, $"the parent's waiting acquisition to be granted after the holder (pid {child.Pid}) was killed");

        Assert.True(handle is not null, "The parent's acquisition timed out instead of being granted after the holder was killed.");
        Assert.True(handle.FencingToken > held.FencingToken, $"Token {handle.FencingToken} after the killed holder's {held.FencingToken}.");
        AssertTakeoverFrom(handle, child, held);
    }

    [Fact]
    public async Task Lock_ReleasedByParent_WaitingProcessGrantedWithGreaterToken()
    {
        var name = UniqueName("handoff");
        var child = await StartHolderAsync();
        var handle = await Guard(Parent.CreateLock(name).AcquireAsync(ReplyTimeout), ReplyTimeout);
        var waiting = await child.StartAcquireAsync(name, HolderMode.Lock);
        await WaitForListingAsync(Parent, name, i => HasWaiter(i, child.Pid) || waiting.HasCompleted, ReplyTimeout, $"the child (pid {child.Pid}) to be listed as a waiter");
        Assert.False(waiting.HasCompleted, "The child was granted a lock the parent holds.");

        await Guard(handle.DisposeAsync());
        var grant = await waiting.WaitAsync(ReplyTimeout);

        Assert.True(grant is not null, "The waiting child timed out instead of being granted.");
        Assert.True(grant.FencingToken > handle.FencingToken, $"Token {grant.FencingToken} after the parent's {handle.FencingToken}.");
        Assert.Null(grant.Takeover);
        Assert.Null(await Guard(Parent.CreateLock(name).TryAcquireAsync()));
    }

    [Fact]
    public async Task Lock_ReleasedByOtherProcess_WaitingParentGrantedWithGreaterToken()
    {
        var name = UniqueName("handoff-reverse");
        var child = await StartHolderAsync();
        var held = await child.AcquireAsync(name, HolderMode.Lock);
        var waiting = Parent.CreateLock(name).TryAcquireAsync(ReplyTimeout).AsTask();
        await WaitForListingAsync(
            Parent, name, i => HasWaiter(i, Environment.ProcessId) || waiting.IsCompleted, ReplyTimeout, "the parent to be listed as a waiter");
        Assert.False(waiting.IsCompleted, "The parent's acquisition ended while another process held the lock.");

        await held.ReleaseAsync();
        var handle = await WithinAsync(waiting, ReplyTimeout, "the parent's waiting acquisition to be granted");

        Assert.True(handle is not null, "The waiting parent timed out instead of being granted.");
        Assert.True(handle.FencingToken > held.FencingToken, $"Token {handle.FencingToken} after the child's {held.FencingToken}.");
        Assert.Null(handle.Takeover);
    }

    [Fact]
    public async Task Lock_WaitingProcessKilled_LeavesQueueAndNextWaiterIsGranted()
    {
        var name = UniqueName("dead-waiter");
        var handle = await Guard(Parent.CreateLock(name).AcquireAsync(ReplyTimeout), ReplyTimeout);
        var (doomed, next) = await StartHoldersAsync();
        var doomedWaiting = await doomed.StartAcquireAsync(name, HolderMode.Lock);
        await WaitForListingAsync(
            Parent, name, i => HasWaiter(i, doomed.Pid) || doomedWaiting.HasCompleted, ReplyTimeout, $"the doomed child (pid {doomed.Pid}) to be listed as a waiter");
        Assert.False(doomedWaiting.HasCompleted, "The doomed child's acquisition ended while the parent held the lock.");

        await doomed.KillHardAsync();
        await WaitForListingAsync(
            Parent, name, i => !HasWaiter(i, doomed.Pid), CrashReleaseWithin, $"the killed waiter (pid {doomed.Pid}) to leave the queue");

        var waiting = await next.StartAcquireAsync(name, HolderMode.Lock);
        await WaitForListingAsync(
            Parent, name, i => HasWaiter(i, next.Pid) || waiting.HasCompleted, ReplyTimeout, $"the next child (pid {next.Pid}) to be listed as a waiter");
        Assert.False(waiting.HasCompleted, "The next child's acquisition ended while the parent held the lock.");
        await Guard(handle.DisposeAsync());
        var grant = await waiting.WaitAsync(CrashReleaseWithin);

        Assert.True(grant is not null, "The next waiter timed out: it was stuck behind the killed one.");
        Assert.True(grant.FencingToken > handle.FencingToken, $"Token {grant.FencingToken} after the parent's {handle.FencingToken}.");
        var info = Assert.Single(await Guard(Parent.ListLocksAsync()), i => i.Name == name);
        Assert.Equal(next.Pid, Assert.Single(info.Holders).Member.ProcessId);
        Assert.Empty(info.Waiters);
    }

    [Fact]
    public async Task ListLocks_HolderAndWaiterInOtherProcesses_ShowTheirPidsAndMemberIds()
    {
        var name = UniqueName("listing");
        var childId = "xproc-child-" + Guid.NewGuid().ToString("N")[..8];
        var parentId = "xproc-parent-" + Guid.NewGuid().ToString("N")[..8];
        var child = await StartHolderAsync(childId);
        var parent = await ConnectAsync(parentId);
        var held = await child.AcquireAsync(name, HolderMode.Lock);

        var info = Assert.Single(await Guard(parent.ListLocksAsync()), i => i.Name == name);
        Assert.Equal(LockKind.Lock, info.Kind);
        var holder = Assert.Single(info.Holders);
        Assert.Equal(child.Pid, holder.Member.ProcessId);
        Assert.Equal(childId, holder.Member.CustomId);
        Assert.Equal(parent.Member.Host, holder.Member.Host);
        Assert.False(string.IsNullOrEmpty(holder.Member.ProcessName), "The holder's process name is empty.");
        Assert.Equal(LockMode.Exclusive, holder.Mode);
        Assert.Equal(held.FencingToken, holder.FencingToken);
        Assert.Empty(info.Waiters);

        using var stop = new CancellationTokenSource();
        var waiting = parent.CreateLock(name).TryAcquireAsync(ReplyTimeout, stop.Token).AsTask();
        var seen = await WaitForListingAsync(
            child, name, i => HasWaiter(i, Environment.ProcessId) || waiting.IsCompleted, ReplyTimeout, "the child to list the parent as a waiter");
        Assert.False(waiting.IsCompleted, "The parent's acquisition ended while another process held the lock.");
        var waiter = Assert.Single(seen!.Waiters);
        Assert.Equal(parentId, waiter.Member.CustomId);
        Assert.Equal(LockMode.Exclusive, waiter.Mode);
        Assert.Equal(child.Pid, Assert.Single(seen.Holders).Member.ProcessId);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(waiting, ReplyTimeout, "the cancelled acquisition to end"));
        await WaitForListingAsync(child, name, i => !HasWaiter(i, Environment.ProcessId), ReplyTimeout, "the cancelled waiter to leave the queue");
    }

    [Fact]
    public async Task ReaderWriter_ReadersInTwoProcesses_ShareAndExcludeWriters()
    {
        var name = UniqueName("rw");
        var child = await StartHolderAsync();
        var rw = Parent.CreateReaderWriterLock(name);

        var childRead = await child.AcquireAsync(name, HolderMode.Read);
        var parentRead = await Guard(rw.TryAcquireReadAsync());
        Assert.True(parentRead is not null, "A reader in another process excluded the parent's reader.");
        Assert.Null(await Guard(rw.TryAcquireWriteAsync()));
        Assert.Null(await Guard(Parent.CreateLock(name).TryAcquireAsync()));
        Assert.Null(await child.TryAcquireAsync(name, HolderMode.Write));
        var info = Assert.Single(await child.ListLocksAsync(), i => i.Name == name);
        Assert.Equal(new[] { child.Pid, Environment.ProcessId }.Order(), info.Holders.Select(h => h.Member.ProcessId).Order());
        Assert.All(info.Holders, h => Assert.Equal(LockMode.Shared, h.Mode));

        await childRead.ReleaseAsync();
        await Guard(parentRead.DisposeAsync());
        var childWrite = await child.TryAcquireAsync(name, HolderMode.Write);
        Assert.True(childWrite is not null, "The write lock was not free after both readers released.");
        Assert.True(childWrite.FencingToken > Math.Max(childRead.FencingToken, parentRead.FencingToken), "The writer's token is not greater than the readers'.");
        Assert.Null(await Guard(rw.TryAcquireReadAsync()));
        Assert.Null(await Guard(rw.TryAcquireWriteAsync()));

        await childWrite.ReleaseAsync();
        var reader = await Guard(rw.TryAcquireReadAsync());
        Assert.True(reader is not null, "The parent could not read after the other process's writer released.");
    }

    [Fact]
    public async Task ReaderWriter_UpgradeInOtherProcess_WaitsForParentReaderThenGetsGreaterToken()
    {
        var name = UniqueName("upgrade");
        var child = await StartHolderAsync();
        var parentRead = await Guard(Parent.CreateReaderWriterLock(name).AcquireReadAsync(ReplyTimeout), ReplyTimeout);
        var childRead = await child.AcquireAsync(name, HolderMode.Read);
        var readToken = childRead.FencingToken;

        Assert.False(await childRead.TryUpgradeAsync(TimeSpan.Zero), "Upgraded while the parent still reads.");
        Assert.False(await childRead.TryUpgradeAsync(TimeSpan.FromMilliseconds(100)), "Upgraded while the parent still reads.");
        var upgrading = childRead.TryUpgradeAsync(ReplyTimeout);
        await child.PingAsync();
        Assert.False(upgrading.IsCompleted, "Upgraded while the parent still reads.");

        await Guard(parentRead.DisposeAsync());
        Assert.True(await upgrading, "The upgrade timed out after the other reader left.");
        Assert.True(childRead.FencingToken > readToken, $"The upgrade's token {childRead.FencingToken} is not greater than the read token {readToken}.");
        Assert.Null(await Guard(Parent.CreateReaderWriterLock(name).TryAcquireReadAsync()));
    }

    [Fact]
    public async Task Semaphore_OfTwoAcrossThreeProcesses_AdmitsTwoAndFreesSlotsOnReleaseAndCrash()
    {
        var name = UniqueName("semaphore");
        var (first, second) = await StartHoldersAsync();
        var semaphore = Parent.CreateSemaphore(name, 2);

        var firstSlot = await first.AcquireAsync(name, HolderMode.Semaphore(2));
        var secondSlot = await second.AcquireAsync(name, HolderMode.Semaphore(2));
        Assert.Null(await Guard(semaphore.TryAcquireAsync()));
        var info = Assert.Single(await Guard(Parent.ListLocksAsync()), i => i.Name == name && i.Kind == LockKind.Semaphore);
        Assert.Equal(2, info.MaxCount);
        Assert.Equal(new[] { first.Pid, second.Pid }.Order(), info.Holders.Select(h => h.Member.ProcessId).Order());

        var waiting = semaphore.TryAcquireAsync(ReplyTimeout).AsTask();
        await WaitForListingAsync(
            Parent, name, i => HasWaiter(i, Environment.ProcessId) || waiting.IsCompleted, ReplyTimeout, "the parent to be listed as a waiter");
        Assert.False(waiting.IsCompleted, "The parent's acquisition ended while two other processes held both slots.");
        await firstSlot.ReleaseAsync();
        var parentSlot = await WithinAsync(waiting, ReplyTimeout, "the parent to get the released slot");
        Assert.True(parentSlot is not null, "The parent did not get the slot another process released.");
        Assert.Null(await first.TryAcquireAsync(name, HolderMode.Semaphore(2)));

        var retry = await first.StartAcquireAsync(name, HolderMode.Semaphore(2));
        await WaitForListingAsync(
            Parent, name, i => HasWaiter(i, first.Pid) || retry.HasCompleted, ReplyTimeout, $"the first child (pid {first.Pid}) to be listed as a waiter");
        Assert.False(retry.HasCompleted, "The first child's acquisition ended while both slots were held.");
        await second.KillHardAsync();
        var regained = await retry.WaitAsync(CrashReleaseWithin);
        Assert.True(regained is not null, $"The slot of killed pid {second.Pid} was not freed within {CrashReleaseWithin}.");
        Assert.True(regained.FencingToken > secondSlot.FencingToken, "The new slot's token is not greater than the killed holder's.");
    }

    [Fact]
    public async Task Election_LeaderKilled_NextCandidateLeadsWithinCrashReleaseTimeWithALargerTerm()
    {
        var name = UniqueName("election");
        var (leader, candidate) = await StartHoldersAsync();
        var led = await leader.AcquireAsync(name, HolderMode.Elect);
        var campaign = await candidate.StartAcquireAsync(name, HolderMode.Elect);
        var election = Parent.CreateElection(name);
        await WaitForListingAsync(Parent, name, i => HasWaiter(i, candidate.Pid) || campaign.HasCompleted, ReplyTimeout, "the second candidate to be queued");
        Assert.Equal(leader.Pid, (await Guard(election.GetLeaderAsync()))?.Leader.ProcessId);
        Assert.False(campaign.HasCompleted, "The second candidate was elected while the first led.");

        await leader.KillHardAsync();
        var elected = await campaign.WaitAsync(CrashReleaseWithin);

        Assert.True(elected is not null, $"The second candidate was not elected within {CrashReleaseWithin} of the leader's kill -9.");
        Assert.True(elected.FencingToken > led.FencingToken, $"Term {elected.FencingToken} after the killed leader's {led.FencingToken}.");
        var now = await Guard(election.GetLeaderAsync());
        Assert.Equal((candidate.Pid, elected.FencingToken), (now?.Leader.ProcessId, now?.Term));
    }

    [Fact]
    public async Task Group_MemberKilled_WatcherSeesItLeaveWithinCrashReleaseTime()
    {
        var name = UniqueName("group");
        var member = await StartHolderAsync("crashing-member");
        var joined = await member.AcquireAsync(name, HolderMode.Join("""{"role":"worker"}"""));
        var group = Parent.CreateGroup(name);
        using var stop = new CancellationTokenSource();
        var changes = Channel.CreateUnbounded<GroupChange>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in group.WatchAsync(stop.Token).ConfigureAwait(false))
            {
                await changes.Writer.WriteAsync(change).ConfigureAwait(false);
            }
        });

        try
        {
            var first = await WithinAsync(changes.Reader.ReadAsync().AsTask(), ReplyTimeout, "the watch to report the member");
            Assert.Equal((GroupChangeKind.Joined, "crashing-member", member.Pid, joined.FencingToken), (first.Kind, first.Member.Id, first.Member.Process.ProcessId, first.Member.Token));
            Assert.Contains("worker", first.Member.Capabilities, StringComparison.Ordinal);

            await member.KillHardAsync();
            var left = await WithinAsync(changes.Reader.ReadAsync().AsTask(), CrashReleaseWithin, $"the killed member (pid {member.Pid}) to be seen leaving");

            Assert.Equal((GroupChangeKind.Left, "crashing-member"), (left.Kind, left.Member.Id));
            Assert.Empty(await Guard(group.GetMembersAsync()));
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
        }
    }

    [Fact]
    public async Task Group_MembersInTwoProcesses_EachSeesBoth()
    {
        var name = UniqueName("group");
        var (first, second) = await StartHoldersAsync();
        var a = await first.AcquireAsync(name, HolderMode.Join());
        var b = await second.AcquireAsync(name, HolderMode.Join());

        var members = await Guard(Parent.CreateGroup(name).GetMembersAsync());

        Assert.Equal([(first.Pid, a.FencingToken), (second.Pid, b.FencingToken)], members.Select(m => (m.Process.ProcessId, m.Token)));
        var listed = await first.ListLocksAsync();
        Assert.Equal(2, Assert.Single(listed, l => l.Name == name && l.Kind == LockKind.Group).Holders.Count);
    }

    /// <summary>Connects another coordinator to <see cref="BackendUrl"/> in this process; disposed after the test.</summary>
    protected virtual async Task<Coordinator> ConnectAsync(string? memberId = null)
    {
        var coordinator = await Guard(Coordinator.ConnectAsync(BackendUrl, new CoordinatorOptions { MemberId = memberId })).ConfigureAwait(false);
        _coordinators.Add(coordinator);
        return coordinator;
    }

    /// <summary>The options of the children; override to add probe directories or test-only provider assemblies.</summary>
    protected virtual HolderProcessOptions CreateHolderOptions(string? memberId) =>
        new() { MemberId = memberId, ReplyTimeout = ReplyTimeout };

    /// <summary>Starts a child process connected to <see cref="BackendUrl"/>; killed after the test.</summary>
    protected async Task<HolderProcess> StartHolderAsync(string? memberId = null)
    {
        var holder = await HolderProcess.StartAsync(BackendUrl, CreateHolderOptions(memberId)).ConfigureAwait(false);
        lock (_holders)
        {
            _holders.Add(holder);
        }

        return holder;
    }

    /// <summary>Starts two children at once.</summary>
    protected async Task<(HolderProcess First, HolderProcess Second)> StartHoldersAsync()
    {
        var first = StartHolderAsync();
        var second = StartHolderAsync();
        return (await first.ConfigureAwait(false), await second.ConfigureAwait(false));
    }

    /// <summary>A name no other test (or earlier run against a persistent backend) uses.</summary>
    protected static string UniqueName(string label) => $"xproc/{label}/{Guid.NewGuid():N}";

    /// <summary>
    /// Polls <paramref name="observer"/>'s listing until the entry of <paramref name="name"/> (null when the
    /// name is neither held nor awaited) satisfies the condition; fails after the timeout. Waiting is
    /// for a state other processes bring about and no API signals, so it is observed, never guessed
    /// with a sleep.
    /// </summary>
    protected static async Task<LockInfo?> WaitForListingAsync(Coordinator observer, string name, Func<LockInfo?, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return await PollListingAsync(
            () => WithinAsync(observer.ListLocksAsync().AsTask(), timeout, "the parent's ListLocksAsync to return"), name, condition, timeout, what).ConfigureAwait(false);
    }

    /// <summary>Like <see cref="WaitForListingAsync(Coordinator, string, Func{LockInfo?, bool}, TimeSpan, string)"/>, observed through a child's listing.</summary>
    protected static async Task<LockInfo?> WaitForListingAsync(HolderProcess observer, string name, Func<LockInfo?, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return await PollListingAsync(observer.ListLocksAsync, name, condition, timeout, what).ConfigureAwait(false);
    }

    /// <summary>True when someone in the process waits for the name.</summary>
    protected static bool HasWaiter(LockInfo? info, int processId) => info?.Waiters.Any(w => w.Member.ProcessId == processId) == true;

    /// <summary>
    /// Awaits a call into this process's coordinator for at most <see cref="ReplyTimeout"/> (plus the time the
    /// call may rightly wait), so a backend that never answers fails the test instead of hanging it.
    /// </summary>
    protected Task<T> Guard<T>(ValueTask<T> call, TimeSpan? mayWait = null, [CallerArgumentExpression(nameof(call))] string what = "") =>
        WithinAsync(call.AsTask(), (mayWait ?? TimeSpan.Zero) + ReplyTimeout, $"`{what}` to return");

    /// <summary>Awaits a call into this process's coordinator for at most <see cref="ReplyTimeout"/>.</summary>
    protected async Task Guard(ValueTask call, [CallerArgumentExpression(nameof(call))] string what = "") =>
        await WithinAsync(call.AsTask(), ReplyTimeout, $"`{what}` to return").ConfigureAwait(false);

    /// <summary>Awaits a task for at most the timeout, failing with a message that says what did not happen.</summary>
    protected static async Task<T> WithinAsync<T>(Task<T> task, TimeSpan timeout, string what)
    {
        await WithinAsync((Task)task, timeout, what).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>Awaits a task for at most the timeout, failing with a message that says what did not happen.</summary>
    protected static async Task WithinAsync(Task task, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        using var stop = new CancellationTokenSource();
        if (await Task.WhenAny(task, Task.Delay(timeout, stop.Token)).ConfigureAwait(false) != task)
        {
            Assert.Fail($"Timed out after {timeout} waiting for {what}.");
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await task.ConfigureAwait(false);
    }

    private void AssertTakeoverFrom(LockHandleBase handle, HolderProcess killed, HolderGrant held)
    {
        if (!SupportsTakeoverNotice)
        {
            return;
        }

        var notice = handle.Takeover;
        Assert.True(notice is not null, $"No takeover notice after the holder (pid {killed.Pid}) was killed.");
        Assert.Equal(killed.Pid, notice.PreviousHolder.ProcessId);
        Assert.Equal(held.FencingToken, notice.PreviousFencingToken);
        Assert.True(
            notice.Reason is TakeoverReason.HolderCrashed or TakeoverReason.LeaseExpired,
            $"The takeover reason after a kill -9 is {notice.Reason}; expected HolderCrashed or LeaseExpired.");
    }

    private static async Task<LockInfo?> PollListingAsync(
        Func<Task<IReadOnlyList<LockInfo>>> list, string name, Func<LockInfo?, bool> condition, TimeSpan timeout, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var info = (await list().ConfigureAwait(false)).FirstOrDefault(i => i.Name == name);
            if (condition(info))
            {
                return info;
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}; the last listing of '{name}': {Describe(info)}");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    private static string Describe(LockInfo? info) =>
        info is null
            ? "neither held nor awaited"
            : string.Create(
                CultureInfo.InvariantCulture,
                $"holders [{string.Join(", ", info.Holders.Select(h => $"{h.Member} {h.Mode} #{h.FencingToken}"))}], waiters [{string.Join(", ", info.Waiters.Select(w => $"{w.Member} {w.Mode}"))}]");
}
