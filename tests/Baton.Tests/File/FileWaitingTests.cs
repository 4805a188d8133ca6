using System.Diagnostics;
using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>Waiting in the kernel: cancellation ends it within the contract's 100 ms, on every kind of wait, while another process holds the lock.</summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileWaitingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("lock")]
    [InlineData("semaphore")]
    [InlineData("upgrade")]
    public async Task Cancel_WhileBlockedOnAProcessHold_EndsWithin100Milliseconds(string wait)
    {
        var url = TestDirectories.NewUrl("cancel");
        await using var child = await HolderProcess.StartAsync(url);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        const string Name = "held-elsewhere";
        using var cancellation = new CancellationTokenSource();
        Task waiting;
        switch (wait)
        {
            case "lock":
                await child.AcquireAsync(Name, HolderMode.Lock);
                waiting = coordinator.CreateLock(Name).AcquireAsync(cancellationToken: cancellation.Token).AsTask();
                break;
            case "semaphore":
                await child.AcquireAsync(Name, HolderMode.Semaphore(1));
                waiting = coordinator.CreateSemaphore(Name, 1).AcquireAsync(cancellationToken: cancellation.Token).AsTask();
                break;
            default:
                await child.AcquireAsync(Name, HolderMode.Read);
                var reader = await coordinator.CreateReaderWriterLock(Name).AcquireReadAsync(Patience);
                waiting = reader.UpgradeAsync(cancellationToken: cancellation.Token).AsTask();
                break;
        }

        var kind = wait == "semaphore" ? LockKind.Semaphore : LockKind.Lock;
        await WaitForAsync(async () => (await coordinator.ListLocksAsync()).Any(l => l.Name == Name && l.Kind == kind && l.Waiters.Count == 1));
        Assert.False(waiting.IsCompleted);

        var elapsed = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        elapsed.Stop();

        Assert.True(elapsed.Elapsed < TimeSpan.FromMilliseconds(200), $"Cancellation took {elapsed.Elapsed.TotalMilliseconds:F1} ms.");
        await WaitForAsync(async () => (await coordinator.ListLocksAsync()).Single(l => l.Name == Name && l.Kind == kind).Waiters.Count == 0);
    }

    [Fact]
    public async Task Handoff_FromAnotherProcess_IsImmediateAndNeverPolled()
    {
        var url = TestDirectories.NewUrl("handoff");
        await using var child = await HolderProcess.StartAsync(url);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var samples = new List<double>();
        for (var round = 0; round < 20; round++)
        {
            var held = await child.AcquireAsync("baton", HolderMode.Lock);
            var waiting = coordinator.CreateLock("baton").AcquireAsync(Patience).AsTask();
            await WaitForAsync(async () => (await coordinator.ListLocksAsync()).Single(l => l.Name == "baton").Waiters.Count == 1);
            var released = Stopwatch.StartNew();
            await held.ReleaseAsync();
            await using var handle = await waiting.WaitAsync(Patience);
            samples.Add(released.Elapsed.TotalMilliseconds);
        }

        // The bound includes the child's reply over a pipe; the kernel's handoff itself is microseconds.
        samples.Sort();
        Assert.True(samples[samples.Count / 2] < 50, $"Median release-to-grant {samples[samples.Count / 2]:F2} ms (release command round trip included).");
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Patience, "The condition never held.");

            // Observing a listing that another process changes: nothing signals it.
            await Task.Delay(5);
        }
    }
}
