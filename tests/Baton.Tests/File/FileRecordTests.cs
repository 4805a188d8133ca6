using Baton.Conformance.CrossProcess;
using Baton.Files;
using Baton.Files.Guard;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// Presence records with real processes: inside the lock files (the default layout) and beside them
/// (layout=oslo). A kill -9 leaves a holder record whose owner is dead, which is exactly the next holder's
/// takeover notice — reported once, with no wait for the dead process; a cancelled waiter that was the
/// last user of a name leaves no file.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileRecordTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("")]
    [InlineData("?layout=oslo&prefix=svc")]
    public async Task KillExclusiveHolder_NextHolderGetsTheNoticeOnce(string query)
    {
        var url = TestDirectories.NewUrl("kill", query);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var child = await HolderProcess.StartAsync(url);
        var held = await child.AcquireAsync("victim", HolderMode.Lock);
        var member = await child.GetMemberAsync();

        await child.KillHardAsync();
        await using (var first = await coordinator.CreateLock("victim").AcquireAsync(Patience))
        {
            var notice = Assert.IsType<TakeoverNotice>(first.Takeover);
            Assert.Equal(TakeoverReason.HolderCrashed, notice.Reason);
            Assert.Equal(held.FencingToken, notice.PreviousFencingToken);
            Assert.Equal(member.ProcessId, notice.PreviousHolder.ProcessId);
            Assert.Single(Assert.Single(await coordinator.ListLocksAsync()).Holders);
        }

        await using var second = await coordinator.CreateLock("victim").AcquireAsync(Patience);
        Assert.Null(second.Takeover);
        await child.DisposeAsync();
    }

    [Fact]
    public async Task KillOneOfTwoReaders_TheNextReaderGetsTheNotice_TheLiveReaderStaysListed()
    {
        var url = TestDirectories.NewUrl("kill-reader");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var child = await HolderProcess.StartAsync(url);
        var live = await coordinator.CreateReaderWriterLock("shared").AcquireReadAsync(Patience);
        var doomed = await child.AcquireAsync("shared", HolderMode.Read);

        await child.KillHardAsync();
        Assert.Single(Assert.Single(await coordinator.ListLocksAsync()).Holders);
        await using (var next = await coordinator.CreateReaderWriterLock("shared").AcquireReadAsync(Patience))
        {
            Assert.Equal(doomed.FencingToken, Assert.IsType<TakeoverNotice>(next.Takeover).PreviousFencingToken);
            Assert.Equal(2, Assert.Single(await coordinator.ListLocksAsync()).Holders.Count);
        }

        await using (var writer = await coordinator.CreateReaderWriterLock("shared").TryAcquireWriteAsync())
        {
            Assert.Null(writer); // The live reader still holds it.
        }

        await live.DisposeAsync();
        await using var after = await coordinator.CreateReaderWriterLock("shared").AcquireWriteAsync(Patience);
        Assert.Null(after.Takeover);
        await child.DisposeAsync();
    }

    [Fact]
    public async Task WaiterInAnotherProcess_IsListedWhileAlive_AndNotOnceKilled()
    {
        var url = TestDirectories.NewUrl("listed-waiter");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var child = await HolderProcess.StartAsync(url);
        await using var held = await coordinator.CreateLock("queue").AcquireAsync(Patience);
        _ = await child.StartAcquireAsync("queue", HolderMode.Lock, Patience);

        var waiting = await WaitForAsync(coordinator, l => l.Waiters.Count == 1);
        Assert.Equal((await child.GetMemberAsync()).ProcessId, waiting.Waiters[0].Member.ProcessId);
        Assert.Equal(Environment.ProcessId, Assert.Single(waiting.Holders).Member.ProcessId);

        await child.KillHardAsync();
        var after = Assert.Single(await coordinator.ListLocksAsync());
        Assert.Empty(after.Waiters);
        Assert.Single(after.Holders);
        await child.DisposeAsync();
    }

    [Fact]
    public async Task CancelledWaiter_LastUserOfTheName_LeavesNoFile()
    {
        var directory = TestDirectories.NewPath("cancelled");
        await using var holderSide = await Coordinator.ConnectAsync("file://" + directory);
        await using var waiterSide = await Coordinator.ConnectAsync("file://" + directory);
        var held = await holderSide.CreateLock("name").AcquireAsync(Patience);
        using var cancel = new CancellationTokenSource();
        var waiting = waiterSide.CreateLock("name").AcquireAsync(cancellationToken: cancel.Token).AsTask();
        await WaitForAsync(holderSide, l => l.Waiters.Count == 1);

        // A release with a waiter keeps the file (the waiter holds it next); whoever leaves last deletes it.
        await held.DisposeAsync();
        await using (var handed = await waiting.WaitAsync(Patience))
        {
            Assert.Contains("name.lock", Directory.GetFileSystemEntries(directory).Select(Path.GetFileName));
        }

        var again = await holderSide.CreateLock("name").AcquireAsync(Patience);
        var cancelled = waiterSide.CreateLock("name").AcquireAsync(cancellationToken: cancel.Token).AsTask();
        await WaitForAsync(holderSide, l => l.Waiters.Count == 1);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await again.DisposeAsync();

        Assert.Equal([FencingCounter.FileName, NameGuard.FileName], Directory.GetFileSystemEntries(directory).Select(Path.GetFileName));
    }

    private static async Task<LockInfo> WaitForAsync(Coordinator coordinator, Func<LockInfo, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if ((await coordinator.ListLocksAsync()).SingleOrDefault() is { } info && condition(info))
            {
                return info;
            }

            Assert.True(DateTime.UtcNow < deadline, "The listing never showed it.");

            // Observing a listing that another process or thread changes: nothing signals it.
            await Task.Delay(5);
        }
    }
}
