using System.Diagnostics;
using Xunit;

namespace Baton.Conformance;

/// <summary>
/// Rule 10: the listing answers "who holds it and who is waiting": mode, holder identity, fencing token
/// and since when per holder; mode and since when per waiter; semaphores with their count; nothing left
/// over once a name is released and unwaited.
/// </summary>
public abstract class IntrospectionConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task ListLocksAsync_HeldLock_ShowsModeHolderIdentityTokenAndSince()
    {
        var name = UniqueName();
        var memberId = UniqueName("member");
        var holder = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = memberId });
        var before = Coordinator.TimeProvider.GetUtcNow();
        await using var handle = await holder.CreateLock(name).AcquireAsync(Patience);
        var after = Coordinator.TimeProvider.GetUtcNow();

        var info = await FindAsync(name);

        Assert.NotNull(info);
        Assert.Equal(LockKind.Lock, info.Kind);
        Assert.Equal(1, info.MaxCount);
        Assert.Empty(info.Waiters);
        var listed = Assert.Single(info.Holders);
        Assert.Equal(LockMode.Exclusive, listed.Mode);
        Assert.Equal(handle.FencingToken, listed.FencingToken);
        AssertIsThisProcess(listed.Member, memberId);
        Assert.Equal(holder.Member, listed.Member);
        Assert.InRange(listed.Since, before - ClockTolerance, after + ClockTolerance);
        Assert.True(info.ObservedAt >= listed.Since - ClockTolerance, $"Observed at {info.ObservedAt}, before the hold began at {listed.Since}.");
    }

    [Fact]
    public async Task ListLocksAsync_Waiters_ShowModeMemberAndSinceInOrder()
    {
        var name = UniqueName();
        await using var writer = await Coordinator.CreateReaderWriterLock(name).AcquireWriteAsync(Patience);
        var readerId = UniqueName("reader");
        var writerId = UniqueName("writer");
        var before = Coordinator.TimeProvider.GetUtcNow();
        var reading = (await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = readerId }))
            .CreateReaderWriterLock(name).AcquireReadAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);
        var writing = (await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = writerId }))
            .CreateReaderWriterLock(name).AcquireWriteAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 2);
        var after = Coordinator.TimeProvider.GetUtcNow();

        var info = await FindAsync(name);

        Assert.NotNull(info);
        Assert.Equal(2, info.Waiters.Count);
        var byId = info.Waiters.ToDictionary(w => w.Member.CustomId ?? string.Empty);
        Assert.Equal(LockMode.Shared, byId[readerId].Mode);
        Assert.Equal(LockMode.Exclusive, byId[writerId].Mode);
        AssertIsThisProcess(byId[readerId].Member, readerId);
        Assert.All(info.Waiters, w => Assert.InRange(w.Since, before - ClockTolerance, after + ClockTolerance));
        if (IsFifo)
        {
            Assert.Equal([readerId, writerId], info.Waiters.Select(w => w.Member.CustomId));
        }

        await writer.DisposeAsync();
        await DrainAsync([reading, writing]);
    }

    [Fact]
    public async Task ListLocksAsync_SharedHolders_AllListedWithTheirTokens()
    {
        var name = UniqueName();
        var readers = new List<ReaderWriterLockHandle>();
        for (var i = 0; i < 3; i++)
        {
            var coordinator = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = $"reader-{i}" });
            readers.Add(await coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience));
        }

        var info = await FindAsync(name);

        Assert.NotNull(info);
        Assert.Equal(3, info.Holders.Count);
        Assert.All(info.Holders, h => Assert.Equal(LockMode.Shared, h.Mode));
        Assert.Equal(readers.Select(r => r.FencingToken).Order(), info.Holders.Select(h => h.FencingToken).Order());
        Assert.Equal(["reader-0", "reader-1", "reader-2"], info.Holders.Select(h => h.Member.CustomId).Order(StringComparer.Ordinal));
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }

        await WaitUntilFreeAsync(name);
    }

    [Fact]
    public async Task ListLocksAsync_Semaphore_ShowsMaxCountHoldersAndWaiters()
    {
        var name = UniqueName("sem");
        var first = await Coordinator.CreateSemaphore(name, 2).AcquireAsync(Patience);
        await using var second = await (await CreateCoordinatorAsync()).CreateSemaphore(name, 2).AcquireAsync(Patience);
        var waiting = (await CreateCoordinatorAsync()).CreateSemaphore(name, 2).AcquireAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1, LockKind.Semaphore);

        var info = await FindAsync(name, LockKind.Semaphore);

        Assert.NotNull(info);
        Assert.Equal(LockKind.Semaphore, info.Kind);
        Assert.Equal(2, info.MaxCount);
        Assert.Equal(2, info.Holders.Count);
        Assert.All(info.Holders, h => Assert.Equal(LockMode.Semaphore, h.Mode));
        Assert.Equal(LockMode.Semaphore, Assert.Single(info.Waiters).Mode);
        Assert.Null(await FindAsync(name, LockKind.Lock));

        await first.DisposeAsync();
        await DrainAsync([waiting]);
    }

    [Fact]
    public async Task ListLocksAsync_AfterRelease_NameDisappears()
    {
        var name = UniqueName();
        var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        Assert.NotNull(await FindAsync(name));

        await handle.DisposeAsync();

        await WaitUntilFreeAsync(name);
    }

    [Fact]
    public async Task ListLocksAsync_WaitersGivenUp_NameDisappearsAfterRelease()
    {
        var name = UniqueName();
        var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience);
        using var cancellation = new CancellationTokenSource();
        var cancelled = (await CreateCoordinatorAsync()).CreateLock(name).AcquireAsync(cancellationToken: cancellation.Token).AsTask();
        await WaitForWaitersAsync(name, 1);
        Assert.Null(await (await CreateCoordinatorAsync()).CreateLock(name).TryAcquireAsync(TimeSpan.FromMilliseconds(50)));

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinPatience(cancelled));
        await handle.DisposeAsync();

        await WaitUntilFreeAsync(name);
    }

    [Fact]
    public async Task ListLocksAsync_SemaphoreReleased_NameDisappears()
    {
        var name = UniqueName("sem");
        var handle = await Coordinator.CreateSemaphore(name, 3).AcquireAsync(Patience);
        Assert.NotNull(await FindAsync(name, LockKind.Semaphore));

        await handle.DisposeAsync();

        await WaitUntilFreeAsync(name, LockKind.Semaphore);
    }

    [Fact]
    public async Task ListLocksAsync_UpgradeAndDowngrade_ShowTheCurrentMode()
    {
        var name = UniqueName();
        await using var upgrading = await Coordinator.CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var other = await (await CreateCoordinatorAsync()).CreateReaderWriterLock(name).AcquireReadAsync(Patience);
        var upgrade = upgrading.UpgradeAsync(Patience).AsTask();

        var waiting = await WaitForListingAsync(name, i => i is { Waiters.Count: 1 }, "the pending upgrade");
        Assert.Equal(LockMode.Exclusive, waiting!.Waiters[0].Mode);
        Assert.Equal(Coordinator.Member, waiting.Waiters[0].Member);

        await other.DisposeAsync();
        await WithinPatience(upgrade);
        var exclusive = await WaitForListingAsync(name, i => i is { Holders.Count: 1, Waiters.Count: 0 }, "the upgraded holder alone");
        Assert.Equal(LockMode.Exclusive, exclusive!.Holders[0].Mode);
        Assert.Equal(upgrading.FencingToken, exclusive.Holders[0].FencingToken);

        await upgrading.DowngradeAsync();
        var shared = await FindAsync(name);
        Assert.Equal(LockMode.Shared, Assert.Single(shared!.Holders).Mode);
    }

    [Fact]
    public async Task ListLocksAsync_OtherCoordinator_SeesTheSameHoldersAndWaiters()
    {
        var name = UniqueName();
        var observer = await CreateCoordinatorAsync();
        await using var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience);

        var info = await FindAsync(name, coordinator: observer);

        Assert.NotNull(info);
        Assert.Equal(Coordinator.Member, Assert.Single(info.Holders).Member);
    }

    [Fact]
    public async Task ListLocksAsync_CoordinatorDisposed_ThrowsObjectDisposed()
    {
        var coordinator = await CreateCoordinatorAsync();
        await coordinator.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => coordinator.ListLocksAsync().AsTask());
    }

    [Fact]
    public async Task Member_CustomId_IsShownInTheIdentity()
    {
        var memberId = UniqueName("member");

        var coordinator = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = memberId });

        AssertIsThisProcess(coordinator.Member, memberId);
        Assert.Contains(memberId, coordinator.Member.ToString(), StringComparison.Ordinal);
        AssertIsThisProcess(Coordinator.Member, customId: null);
    }

    private static void AssertIsThisProcess(MemberIdentity member, string? customId)
    {
        using var process = Process.GetCurrentProcess();
        Assert.Equal(Environment.MachineName, member.Host);
        Assert.Equal(Environment.ProcessId, member.ProcessId);
        Assert.Equal(process.ProcessName, member.ProcessName);
        Assert.Equal(customId, member.CustomId);
    }
}
