using System.Diagnostics;
using Baton.Backends;
using Baton.Files;
using Baton.Files.Native;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// Follow-ups of the file backend's audit: a queued acquisition racing its coordinator's disposal, a hold granted
/// after the disposal, a semaphore slot freed without a close event, and a non-regular file under a record's name.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileDisposalAndWakeupTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A ticket used to be registered under the backend's gate and started after it: a disposal in between failed
    /// it before it had a thread ("The ticket has not started"), and it then started anyway, waiting for nobody.
    /// The race is narrow, so it is run many times; every round must end the acquisition and the disposal cleanly.
    /// </summary>
    [Fact]
    public async Task QueuedAcquisition_RacingDisposal_EndsAndDisposesCleanly()
    {
        var url = TestDirectories.NewUrl("dispose-race");
        await using var holder = await Coordinator.ConnectAsync(url);
        await using var held = await holder.CreateLock("busy").AcquireAsync(Patience);
        for (var round = 0; round < 200; round++)
        {
            var coordinator = await Coordinator.ConnectAsync(url);
            using var start = new Barrier(2);
            var acquiring = Task.Run(async () =>
            {
                start.SignalAndWait();
                await using var handle = await coordinator.CreateLock("busy").AcquireAsync(Patience);
            });
            var disposing = Task.Run(async () =>
            {
                start.SignalAndWait();
                await coordinator.DisposeAsync();
            });

            await disposing.WaitAsync(Patience);
            var error = await Record.ExceptionAsync(() => acquiring.WaitAsync(Patience));
            Assert.True(error is ObjectDisposedException, $"Round {round}: the acquisition ended with {error?.GetType().Name ?? "a grant"}, not ObjectDisposedException: {error}");
        }
    }

    /// <summary>
    /// A hold the kernel granted after the coordinator was disposed is handed to nobody: it is released cleanly,
    /// so the next holder is not told of an abandoned hold that never existed.
    /// </summary>
    [Fact]
    public async Task HoldGrantedAfterDisposal_IsReleasedCleanly_NoTakeoverNotice()
    {
        var path = TestDirectories.NewPath("grant-disposed");
        var member = new MemberIdentity("test-host", Environment.ProcessId, "test");
        var options = FileBackendOptions.Parse(BackendUrl.Parse("file://" + path));
        var directory = FileLockDirectory.Open(options.Directory);
        var backend = new FileBackend(options, directory, FencingCounter.For(directory), member, TimeProvider.System);
        var target = FileLockTarget.Create(options, LockKind.Lock, "job");
        var held = LockFile.TryAcquire(directory, options, target, LockMode.Exclusive, 1);
        Assert.NotNull(held);

        await backend.DisposeAsync();
        var request = new AcquisitionRequest("job", LockKind.Lock, LockMode.Exclusive, 1, Wait: false, member);
        Assert.Throws<ObjectDisposedException>(() => backend.Grant(target, request, held, waiting: null));
        Assert.True(held.Fd.IsClosed, "The hold of a disposed coordinator was not closed.");

        await using var coordinator = await Coordinator.ConnectAsync("file://" + path);
        await using var next = await coordinator.CreateLock("job").AcquireAsync(Patience);
        Assert.Null(next.Takeover);
    }

    /// <summary>
    /// The semaphore waiter at the gate rescans its slots on inotify events. A slot can become free with no event
    /// to come (the kernel notifies a close before it drops the closing file's locks; here a holder simply unlocks
    /// its slot without closing): the rescan backstop must still find it.
    /// </summary>
    [Fact]
    public async Task SemaphoreSlotFreedWithoutAnEvent_IsFoundByTheWaiter()
    {
        var directory = TestDirectories.NewPath("slot-backstop");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);

        // A holder of slot 0 of a semaphore of 1, as Baton lays it out: the count byte shared, the slot exclusive.
        using var holder = Libc.Own(Libc.Open(Path.Combine(directory, "pool.sem"), Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, Convert.ToInt32("600", 8)), "open");
        Assert.True(FileLocks.TryLock(holder, FileLockTarget.CountOffset + 1, 1, Libc.F_RDLCK));
        Assert.True(FileLocks.TryLock(holder, FileLockTarget.SlotOffset, 1, Libc.F_WRLCK));

        var waiting = coordinator.CreateSemaphore("pool", 1).AcquireAsync(TimeSpan.FromSeconds(30)).AsTask();

        // No listing here: reading the file would close a descriptor of it, an event that wakes the waiter.
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "The semaphore was granted while its only slot was held.");

        var freed = Stopwatch.StartNew();
        FileLocks.Unlock(holder, FileLockTarget.SlotOffset, 1);
        var granted = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(3))) == waiting;
        freed.Stop();
        Assert.True(granted, "A slot freed without a close event was never found by the waiting semaphore acquirer.");
        await (await waiting).DisposeAsync();
        Assert.True(freed.Elapsed < TimeSpan.FromSeconds(1), $"The free slot was found after {freed.Elapsed.TotalMilliseconds:F0} ms.");
    }

    /// <summary>A FIFO planted under a presence record's name is skipped: it neither breaks nor stalls listings and acquisitions.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("?layout=oslo&prefix=svc")]
    public async Task FifoUnderARecordName_IsSkipped(string query)
    {
        var directory = TestDirectories.NewPath("fifo-record");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory + query);
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(directory, "job.l.1-ab.rec")))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // On threads of their own, so that a stalled read fails the test instead of hanging it.
        var listed = await Task.Run(async () => await coordinator.ListLocksAsync()).WaitAsync(Patience);
        Assert.Empty(listed);

        var handle = await Task.Run(async () => await coordinator.CreateLock("job").AcquireAsync(Patience)).WaitAsync(Patience);
        await using (handle)
        {
            Assert.Null(handle.Takeover);
            var whileHeld = await Task.Run(async () => await coordinator.ListLocksAsync()).WaitAsync(Patience);
            Assert.Single(Assert.Single(whileHeld).Holders);
        }
    }
}
