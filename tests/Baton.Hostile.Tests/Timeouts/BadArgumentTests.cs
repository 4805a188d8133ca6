using Baton.Hostile.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Baton.Hostile.Tests.Timeouts;

/// <summary>
/// Arguments at and just past their limits, on every backend and every entry point (the conformance suite checks the
/// main asynchronous methods with whole seconds and days): one tick below zero, around Timeout.InfiniteTimeSpan and
/// past the longest finite wait are ArgumentOutOfRangeException naming the timeout, for the synchronous methods,
/// elections and group joins too; a cancelled token wins over a free lock; and a group member's capabilities that are
/// not one small JSON value are an ArgumentException before anything reaches the backend.
/// </summary>
public sealed class BadArgumentTests
{
    private static readonly TimeSpan MaxFinite = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static readonly TimeSpan[] Bad =
    [
        TimeSpan.FromTicks(-1),
        Timeout.InfiniteTimeSpan - TimeSpan.FromTicks(1),
        Timeout.InfiniteTimeSpan + TimeSpan.FromTicks(1),
        MaxFinite + TimeSpan.FromTicks(1),
        TimeSpan.MaxValue,
        TimeSpan.MinValue,
    ];

    public static TheoryData<Backend> Backends => [.. Enum.GetValues<Backend>().Where(b => b is not (Backend.FileFlock or Backend.FileTable))];

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task EveryEntryPoint_TimeoutsOneTickPastTheLimits_ArgumentOutOfRangeNamingTheTimeout(Backend backend)
    {
        await using var space = await Namespace.CreateAsync(backend);
        await using var coordinator = await space.ConnectAsync();
        var name = $"edge-{Guid.NewGuid():N}";
        var exclusive = coordinator.CreateLock(name);
        var shared = coordinator.CreateReaderWriterLock(name);
        var semaphore = coordinator.CreateSemaphore(name, 2);
        var election = coordinator.CreateElection(name);
        var group = coordinator.CreateGroup(name);
        var problems = new List<string>();

        foreach (var timeout in Bad)
        {
            (string What, Func<Task> Call)[] calls =
            [
                ("TryAcquireAsync", () => exclusive.TryAcquireAsync(timeout).AsTask()),
                ("AcquireAsync", () => exclusive.AcquireAsync(timeout).AsTask()),
                ("TryAcquire", () => Task.Run(() => exclusive.TryAcquire(timeout))),
                ("Acquire", () => Task.Run(() => exclusive.Acquire(timeout))),
                ("TryAcquireRead", () => Task.Run(() => shared.TryAcquireRead(timeout))),
                ("AcquireWrite", () => Task.Run(() => shared.AcquireWrite(timeout))),
                ("semaphore TryAcquire", () => Task.Run(() => semaphore.TryAcquire(timeout))),
                ("semaphore Acquire", () => Task.Run(() => semaphore.Acquire(timeout))),
                ("TryCampaignAsync", () => election.TryCampaignAsync(timeout).AsTask()),
                ("CampaignAsync", () => election.CampaignAsync(timeout).AsTask()),
                ("JoinAsync", () => group.JoinAsync(timeout: timeout).AsTask()),
            ];
            foreach (var (what, call) in calls)
            {
                var error = await Record.ExceptionAsync(call).WaitAsync(TimeSpan.FromSeconds(10));
                if (error is not ArgumentOutOfRangeException { ParamName: "timeout" })
                {
                    problems.Add($"{what}({timeout}): {error?.GetType().Name ?? "accepted"} {error?.Message}");
                }
            }
        }

        Assert.Empty(await coordinator.ListLocksAsync());
        if (problems.Count > 0)
        {
            throw new XunitException($"{backend}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TryAcquireAsync_ZeroTimeoutCancelledToken_ThrowsRatherThanTakingTheFreeLock(Backend backend)
    {
        await using var space = await Namespace.CreateAsync(backend);
        await using var coordinator = await space.ConnectAsync();
        var name = $"cancelled-{Guid.NewGuid():N}";
        var cancelled = new CancellationToken(canceled: true);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.CreateLock(name).TryAcquireAsync(TimeSpan.Zero, cancelled).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.CreateReaderWriterLock(name).TryAcquireReadAsync(TimeSpan.Zero, cancelled).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.CreateSemaphore(name, 1).TryAcquireAsync(TimeSpan.Zero, cancelled).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.CreateElection(name).TryCampaignAsync(TimeSpan.Zero, cancelled).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.CreateGroup(name).JoinAsync(cancellationToken: cancelled).AsTask());

        Assert.Empty(await coordinator.ListLocksAsync());
    }

    public static TheoryData<string> BadCapabilities =>
    [
        "{",
        "{\"slots\": 8} {\"more\": 1}",
        "'single quotes'",
        "\0",
        new string('[', 10_000) + new string(']', 10_000),
        "\"" + new string('x', 1 << 20) + "\"",
    ];

    [Theory]
    [MemberData(nameof(BadCapabilities))]
    public async Task JoinAsync_CapabilitiesNotOneSmallJsonValue_ArgumentExceptionBeforeTheBackend(string capabilities)
    {
        await using var coordinator = await Coordinator.ConnectAsync($"memory://caps-{Guid.NewGuid():N}");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => coordinator.CreateGroup("g").JoinAsync("m", capabilities).AsTask());

        Assert.Equal("capabilities", e.ParamName);
        Assert.InRange(e.Message.Length, 20, 2_000);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MaxValue)]
    public async Task ConnectAsync_WatchPollIntervalOutOfRange_ArgumentOutOfRangeNamingIt(long ticks)
    {
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => Coordinator.ConnectAsync("memory://", new CoordinatorOptions { WatchPollInterval = TimeSpan.FromTicks(ticks) }).AsTask());

        Assert.Equal(nameof(CoordinatorOptions.WatchPollInterval), e.ParamName);
    }
}
