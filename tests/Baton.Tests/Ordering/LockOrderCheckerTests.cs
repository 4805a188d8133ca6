using Microsoft.Extensions.Logging;
using Xunit;
using static Baton.Tests.Ordering.OrderingBackends;

namespace Baton.Tests.Ordering;

/// <summary>The lock-order checker: inversions are reported the first time they are seen, sequentially, with both sites.</summary>
public sealed class LockOrderCheckerTests
{
    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task Report_InversionBySequentialFlows_ReportsTheCycleOnceWithBothSites(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Report);
        var raised = new List<LockOrderViolation>();
        checker.ViolationFound += (_, violation) => raised.Add(violation);
        using var logs = new CollectingLoggerFactory();
        await using var coordinator = await Coordinator.ConnectAsync(
            NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker, LoggerFactory = logs });
        var a = coordinator.CreateLock("a");
        var b = coordinator.CreateLock("b");

        await Flow(async () =>
        {
            await using var first = await a.AcquireAsync(Patience);
            await using var second = await b.AcquireAsync(Patience);
        });
        Assert.Empty(checker.Violations);

        // The inverted order, later, by another flow: no deadlock happens, but it could have.
        for (var i = 0; i < 2; i++)
        {
            await Flow(async () =>
            {
                await using var first = await b.AcquireAsync(Patience);
                await using var second = await a.AcquireAsync(Patience);
            });
        }

        var violation = Assert.Single(checker.Violations);
        Assert.Equal([violation], raised);
        Assert.Equal(2, violation.Cycle.Count);
        Assert.Equal(("b", "a"), (violation.Cycle[0].From.Name, violation.Cycle[0].To.Name));
        Assert.Equal(("a", "b"), (violation.Cycle[1].From.Name, violation.Cycle[1].To.Name));
        Assert.All(violation.Cycle, edge => Assert.Equal(coordinator.BackendUrl, edge.From.Backend));
        Assert.All(violation.Cycle, edge => Assert.StartsWith(
            "   at Baton.Tests.Ordering.LockOrderCheckerTests", edge.Site, StringComparison.Ordinal));
        Assert.All(violation.Cycle, edge => Assert.Contains(nameof(Report_InversionBySequentialFlows_ReportsTheCycleOnceWithBothSites), edge.Site, StringComparison.Ordinal));
        Assert.NotEqual(violation.Cycle[0].Site, violation.Cycle[1].Site);
        var warning = Assert.Single(logs.Collector.GetSnapshot(), record => record.Level == LogLevel.Warning);
        Assert.Contains("lock 'b'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("lock 'a'", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task Throw_InversionBySequentialFlows_ThrowsBeforeAcquiring(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Throw);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var a = coordinator.CreateLock("a");
        var b = coordinator.CreateLock("b");
        await Flow(async () =>
        {
            await using var first = await a.AcquireAsync(Patience);
            await using var second = await b.AcquireAsync(Patience);
        });

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var refused = await Flow(async () =>
            {
                await using var first = await b.AcquireAsync(Patience);
                var thrown = await Assert.ThrowsAsync<PotentialDeadlockException>(async () => await a.AcquireAsync(Patience));

                // Nothing was acquired: the name is free for anyone, even while this flow still holds 'b'.
                var info = await coordinator.ListLocksAsync();
                Assert.DoesNotContain(info, l => l.Name == "a");
                return thrown;
            });

            Assert.IsType<InvalidOperationException>(refused, exactMatch: false);
            Assert.Contains("lock 'b'", refused.Message, StringComparison.Ordinal);
            Assert.Contains("lock 'a'", refused.Message, StringComparison.Ordinal);
            Assert.Equal(2, refused.Violation!.Cycle.Count);
            Assert.All(refused.Violation.Cycle, edge => Assert.Contains(edge.Site, refused.Message, StringComparison.Ordinal));
            Assert.All(refused.Violation.Cycle, edge => Assert.Contains(nameof(Throw_InversionBySequentialFlows_ThrowsBeforeAcquiring), edge.Site, StringComparison.Ordinal));
        }

        // Refused every time, reported once.
        Assert.Single(checker.Violations);
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task ConsistentOrder_ManyFlows_NoReport(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Throw);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var names = new[] { "a", "b", "c" }.Select(coordinator.CreateLock).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Flow(async () =>
        {
            for (var round = 0; round < 5; round++)
            {
                await using var first = await names[0].AcquireAsync(Patience);
                await using var second = await names[1].AcquireAsync(Patience);
                await using var third = await names[2].AcquireAsync(Patience);
            }
        })));

        // Released in between: taking 'a' after 'c' was released is no order.
        await Flow(async () =>
        {
            await (await names[2].AcquireAsync(Patience)).DisposeAsync();
            await using var first = await names[0].AcquireAsync(Patience);
        });

        Assert.Empty(checker.Violations);
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task NestedReaderLocks_InConsistentOrder_NoReport(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Throw);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var outer = coordinator.CreateReaderWriterLock("outer");
        var inner = coordinator.CreateReaderWriterLock("inner");

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Flow(async () =>
        {
            await using var first = await outer.AcquireReadAsync(Patience);
            await using var again = await outer.AcquireReadAsync(Patience); // nested read of the same name: no order
            await using var second = await inner.AcquireReadAsync(Patience);
        })));
        await Flow(async () =>
        {
            await using var first = await outer.AcquireWriteAsync(Patience);
            await using var second = await inner.AcquireReadAsync(Patience);
        });

        Assert.Empty(checker.Violations);

        // Either mode is the same name: a writer of 'inner' then a reader of 'outer' inverts the readers' order.
        await Flow(async () =>
        {
            await using var first = await inner.AcquireWriteAsync(Patience);
            await Assert.ThrowsAsync<PotentialDeadlockException>(async () => await outer.AcquireReadAsync(Patience));
        });
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task Semaphore_InvertedWithALock_Reported(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Report);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var pool = coordinator.CreateSemaphore("pool", 2);
        var lockPool = coordinator.CreateLock("pool"); // a lock of the same name is another name
        var a = coordinator.CreateLock("a");

        await Flow(async () =>
        {
            await using var slot = await pool.AcquireAsync(Patience);
            await using var held = await a.AcquireAsync(Patience);
        });
        await Flow(async () =>
        {
            await using var held = await a.AcquireAsync(Patience);
            await using var other = await lockPool.AcquireAsync(Patience);
        });
        Assert.Empty(checker.Violations);

        await Flow(async () =>
        {
            await using var held = await a.AcquireAsync(Patience);
            await using var slot = await pool.AcquireAsync(Patience);
        });

        var violation = Assert.Single(checker.Violations);
        Assert.Contains("semaphore 'pool'", violation.Names, StringComparison.Ordinal);
        Assert.Contains("lock 'a'", violation.Names, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task TryWithZeroTimeout_AddsNoOrder(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Throw);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var a = coordinator.CreateLock("a");
        var b = coordinator.CreateLock("b");

        await Flow(async () =>
        {
            await using var first = await a.AcquireAsync(Patience);
            await using var second = await b.TryAcquireAsync() ?? throw new InvalidOperationException("'b' is free.");
        });
        await Flow(async () =>
        {
            await using var first = await b.AcquireAsync(Patience);
            await using var second = await a.AcquireAsync(Patience);
        });

        Assert.Empty(checker.Violations);

        // A try's hold still orders what the flow waits for after it: holding 'a' (tried) and waiting for 'b' inverts 'b' then 'a'.
        await Flow(async () =>
        {
            await using var first = await a.TryAcquireAsync() ?? throw new InvalidOperationException("'a' is free.");
            await Assert.ThrowsAsync<PotentialDeadlockException>(async () => await b.AcquireAsync(Patience));
        });
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task CycleOfThree_ClosedByTheThirdFlow_ReportedWithThreeSites(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Report);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var (a, b, c) = (coordinator.CreateLock("a"), coordinator.CreateLock("b"), coordinator.CreateLock("c"));

        await TakeInOrder(a, b);
        await TakeInOrder(b, c);
        Assert.Empty(checker.Violations);
        await TakeInOrder(c, a);

        var violation = Assert.Single(checker.Violations);
        Assert.Equal(["c", "a", "b"], violation.Cycle.Select(edge => edge.From.Name));
        Assert.Equal(["a", "b", "c"], violation.Cycle.Select(edge => edge.To.Name));
        Assert.All(violation.Cycle, edge => Assert.Contains(nameof(CycleOfThree_ClosedByTheThirdFlow_ReportedWithThreeSites), edge.Site, StringComparison.Ordinal));

        static Task TakeInOrder(DistributedLock first, DistributedLock second) => Flow(async () =>
        {
            await using var one = await first.AcquireAsync(Patience);
            await using var two = await second.AcquireAsync(Patience);
        });
    }

    [Theory]
    [MemberData(nameof(Schemes), MemberType = typeof(OrderingBackends))]
    public async Task HoldGrantedAfterAWait_StillOrdersTheFlowsNextAcquisition(string scheme)
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Report);
        await using var coordinator = await Coordinator.ConnectAsync(NewUrl(scheme), new CoordinatorOptions { LockOrderChecker = checker });
        var a = coordinator.CreateLock("a");
        var b = coordinator.CreateLock("b");
        var blocker = await Flow(() => a.AcquireAsync(Patience).AsTask());

        // This flow's 'a' is granted only after a wait, so its acquire completes asynchronously; the hold must
        // still be in the flow when it then takes 'b'.
        var waiter = Flow(async () =>
        {
            await using var first = await a.AcquireAsync(Patience);
            await using var second = await b.AcquireAsync(Patience);
        });
        await WaitForWaitersAsync(coordinator, "a", 1);
        await blocker.DisposeAsync();
        await waiter;

        await Flow(async () =>
        {
            await using var first = await b.AcquireAsync(Patience);
            await using var second = await a.AcquireAsync(Patience);
        });
        Assert.Single(checker.Violations);
    }

    [Fact]
    public async Task SharedChecker_TwoBackends_NamesDoNotMerge()
    {
        var checker = new LockOrderChecker(LockOrderCheckMode.Report);
        var options = new CoordinatorOptions { LockOrderChecker = checker };
        await using var one = await Coordinator.ConnectAsync(NewUrl("memory"), options);
        await using var two = await Coordinator.ConnectAsync(NewUrl("memory"), options);

        await Flow(async () =>
        {
            await using var first = await one.CreateLock("a").AcquireAsync(Patience);
            await using var second = await one.CreateLock("b").AcquireAsync(Patience);
        });
        await Flow(async () =>
        {
            await using var first = await two.CreateLock("b").AcquireAsync(Patience);
            await using var second = await two.CreateLock("a").AcquireAsync(Patience);
        });
        Assert.Empty(checker.Violations);

        // The same backend through another coordinator is the same names.
        await using var three = await Coordinator.ConnectAsync(one.BackendUrl, options);
        await Flow(async () =>
        {
            await using var first = await three.CreateLock("b").AcquireAsync(Patience);
            await using var second = await three.CreateLock("a").AcquireAsync(Patience);
        });
        Assert.Single(checker.Violations);
    }

    [Fact]
    public void Constructor_UnknownMode_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LockOrderChecker((LockOrderCheckMode)7));
}
