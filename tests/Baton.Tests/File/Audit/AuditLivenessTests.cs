using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace Baton.Tests.Files.Audit;

/// <summary>
/// Audit: what an acquirer does while another open file description holds an exclusive OFD lock on the
/// <b>whole</b> lock file — the state a releaser is in between its probe and its close (and <c>baton clean</c>,
/// and a cancelled waiter's <c>Leave</c>). Normally microseconds; unbounded when that process is stopped
/// (SIGSTOP, Ctrl-Z, a debugger, a frozen cgroup) or descheduled. <c>LockFile.TryAcquire</c> (semaphores:
/// <c>JoinCount</c> false → <c>continue</c>) and <c>LockFile.Acquire</c> (waiting byte refused → <c>continue</c>)
/// then loop open/fcntl/close without ever blocking or looking at cancellation: a "try once" never returns,
/// a cancelled or timed-out wait never returns (WithdrawAsync waits for a thread that never reaches
/// <c>WaitingThread.Block</c>), and the loop burns a core.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class AuditLivenessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task SemaphoreTry_WhileAReleaserHoldsTheWholeFile_ReturnsWithoutSpinning()
    {
        var directory = TestDirectories.NewPath("audit-try-spin");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);
        var deleter = HoldWholeFile(directory, "pool.sem");

        // A long-running task: if the bug is there, this thread spins until the deleter closes.
        var attempt = Task.Factory.StartNew(
            () => coordinator.CreateSemaphore("pool", 2).TryAcquireAsync().AsTask(),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();
        var returned = await Task.WhenAny(attempt, Task.Delay(Bound)) == attempt;

        deleter.Dispose(); // Lets a spinning attempt out.
        var handle = await attempt.WaitAsync(TimeSpan.FromSeconds(30));
        if (handle is not null)
        {
            await handle.DisposeAsync();
        }

        Assert.True(returned, $"TryAcquireAsync() (try once) on a semaphore did not return within {Bound.TotalSeconds} s while another open file held a whole-file lock: LockFile.TryAcquire spins on JoinCount.");
    }

    [Fact]
    public async Task LockAcquire_CancelledWhileAReleaserHoldsTheWholeFile_EndsWithin100Milliseconds()
    {
        var directory = TestDirectories.NewPath("audit-wait-spin");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);
        var deleter = HoldWholeFile(directory, "name.lock");

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var attempt = coordinator.CreateLock("name").AcquireAsync(cancellationToken: cancellation.Token).AsTask();
        var returned = await Task.WhenAny(attempt, Task.Delay(Bound)) == attempt;

        deleter.Dispose(); // Lets the spinning waiting thread out, so the withdrawal can finish.
        try
        {
            await (await attempt.WaitAsync(TimeSpan.FromSeconds(30))).DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(returned, $"A wait cancelled after 100 ms had not ended after {Bound.TotalSeconds} s while another open file held a whole-file lock: LockFile.Acquire spins on the waiting byte and never checks for a stop.");
    }

    [Fact]
    public async Task LockAcquireWithTimeout_WhileAReleaserHoldsTheWholeFile_TimesOut()
    {
        var directory = TestDirectories.NewPath("audit-timeout-spin");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);
        var deleter = HoldWholeFile(directory, "name.lock");

        var attempt = coordinator.CreateLock("name").TryAcquireAsync(TimeSpan.FromMilliseconds(200)).AsTask();
        var returned = await Task.WhenAny(attempt, Task.Delay(Bound)) == attempt;

        deleter.Dispose();
        if (await attempt.WaitAsync(TimeSpan.FromSeconds(30)) is { } handle)
        {
            await handle.DisposeAsync();
        }

        Assert.True(returned, $"TryAcquireAsync(200 ms) had not returned after {Bound.TotalSeconds} s: the timeout is not honoured while the waiting thread spins.");
    }

    /// <summary>Another open file description of the lock file, holding what a deleting releaser holds between probe and close.</summary>
    private static SafeFileHandle HoldWholeFile(string directory, string fileName)
    {
        var fd = Libc.Own(Libc.Open(Path.Combine(directory, fileName), Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, Convert.ToInt32("600", 8)), "open");
        Assert.True(FileLocks.TryLock(fd, 0, FileLocks.ToEnd, Libc.F_WRLCK));
        return fd;
    }
}
