using System.Diagnostics;
using Xunit;
using Xunit.Sdk;

namespace Baton.Conformance;

/// <summary>
/// The lock hierarchy on a real backend: sets exclude each other between members, the whole level excludes named
/// sets, one deadline releases a partial set, an inversion is refused before anything is taken, a lost lock fires
/// the set's lost token, and many flows taking random sets at increasing levels all finish without a deadlock.
/// </summary>
public abstract class HierarchyConformanceTests : ConformanceTestBase
{
    private static readonly string[] Levels = ["cluster", "group", "instance", "node"];

    /// <summary>Rounds per flow of the stress test: enough to interleave, few enough to keep a backend's run to seconds.</summary>
    protected virtual int StressRounds => Coordinator.Scheme is "memory" or "file" ? 30 : 8;

    /// <summary>Concurrent flows of the stress test.</summary>
    protected virtual int StressFlows => 6;

    /// <summary>
    /// How long one acquisition of the stress test may wait before its flow fails, which is how a deadlock shows;
    /// the whole run is bounded by six times as much.
    /// </summary>
    protected virtual TimeSpan StressWait => Patience;

    [Fact]
    public async Task AcquireAsync_ExclusiveNameHeldByAnotherMember_SetWaitsForIt()
    {
        var hierarchy = Coordinator.CreateHierarchy(UniqueName("h"), Levels);
        var other = (await CreateCoordinatorAsync()).CreateHierarchy(hierarchy.Name, Levels);
        var held = await hierarchy.AcquireAsync("node", ["n2", "n1"], timeout: Patience);

        var waiting = InAnotherFlow(() => other.AcquireAsync("node", ["n3", "n2"], timeout: Patience));
        await WaitForWaitersAsync($"{hierarchy.Name}/node/n2", 1);
        Assert.False(waiting.IsCompleted);

        await held.ReleaseAsync();
        await using var next = await WithinPatience(waiting);
        Assert.Equal(["n2", "n3"], next.Names);
        Assert.Equal([$"{hierarchy.Name}/node", $"{hierarchy.Name}/node/n2", $"{hierarchy.Name}/node/n3"], next.Locks.Select(l => l.Name));
    }

    [Fact]
    public async Task AcquireAsync_SharedNames_AreHeldByTwoMembersAtOnce()
    {
        var hierarchy = Coordinator.CreateHierarchy(UniqueName("h"), Levels);
        var other = (await CreateCoordinatorAsync()).CreateHierarchy(hierarchy.Name, Levels);
        await using var mine = await hierarchy.AcquireAsync("instance", [KeyValuePair.Create("i1", LockMode.Shared), KeyValuePair.Create("i2", LockMode.Exclusive)], Patience);

        await using var theirs = await InAnotherFlow(() => other.TryAcquireAsync("instance", ["i1"], LockMode.Shared, Patience));
        var blocked = await InAnotherFlow(() => other.TryAcquireAsync("instance", ["i2"], LockMode.Shared));

        Assert.NotNull(theirs);
        Assert.Null(blocked);
    }

    [Fact]
    public async Task AcquireAllAsync_AndNamedSets_ExcludeEachOtherBetweenMembers()
    {
        var hierarchy = Coordinator.CreateHierarchy(UniqueName("h"), Levels);
        var other = (await CreateCoordinatorAsync()).CreateHierarchy(hierarchy.Name, Levels);

        await using (var all = await hierarchy.AcquireAllAsync("cluster", Patience))
        {
            Assert.Null(await InAnotherFlow(() => other.TryAcquireAsync("cluster", ["c"], LockMode.Shared)));
            Assert.Null(await InAnotherFlow(() => other.TryAcquireAllAsync("cluster")));
        }

        await using var named = await hierarchy.AcquireAsync("cluster", ["c"], LockMode.Shared, Patience);
        Assert.Null(await InAnotherFlow(() => other.TryAcquireAllAsync("cluster")));
    }

    [Fact]
    public async Task AcquireAsync_DeadlinePasses_ReleasesThePartialSet()
    {
        var hierarchy = Coordinator.CreateHierarchy(UniqueName("h"), Levels);
        var other = (await CreateCoordinatorAsync()).CreateHierarchy(hierarchy.Name, Levels);
        await using var blocker = await InAnotherFlow(() => other.AcquireAsync("node", ["n2"], timeout: Patience));

        await Assert.ThrowsAsync<TimeoutException>(async () => await hierarchy.AcquireAsync("node", ["n1", "n2", "n3"], timeout: TimeSpan.FromMilliseconds(200)));
        Assert.Null(await hierarchy.TryAcquireAsync("node", ["n1", "n2"]));

        await WaitUntilFreeAsync($"{hierarchy.Name}/node/n1");
        var intent = await FindAsync($"{hierarchy.Name}/node");
        Assert.Equal(blocker.Locks[0].FencingToken, Assert.Single(intent!.Holders).FencingToken);
        Assert.Empty(hierarchy.HeldLevels);
    }

    [Fact]
    public async Task AcquireAsync_InversionInOneFlow_IsRefusedBeforeAnythingIsTaken()
    {
        var hierarchy = Coordinator.CreateHierarchy(UniqueName("h"), Levels);
        await using var group = await hierarchy.AcquireAsync("group", ["g"], timeout: Patience);

        var error = await Assert.ThrowsAsync<LockOrderException>(async () => await hierarchy.AcquireAsync("cluster", ["c"], timeout: Patience));

        Assert.Equal("cluster", error.RequestedLevel);
        Assert.Equal("group", error.HeldLevel);
        Assert.Contains("'cluster'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'group'", error.Message, StringComparison.Ordinal);
        Assert.Null(await FindAsync($"{hierarchy.Name}/cluster"));
        Assert.Null(await FindAsync($"{hierarchy.Name}/cluster/c"));
    }

    [Fact]
    public async Task LostToken_MemberEnds_FiresAndReleaseDoesNotThrow()
    {
        var owner = await CreateCoordinatorAsync();
        var hierarchy = owner.CreateHierarchy(UniqueName("h"), Levels);
        var held = await hierarchy.AcquireAsync("node", ["n1", "n2"], timeout: Patience);
        var lost = held.LostToken;

        await owner.DisposeAsync();

        var fired = new TaskCompletionSource();
        await using (lost.Register(() => fired.TrySetResult()))
        {
            await WithinPatience(fired.Task);
        }

        await held.ReleaseAsync();
        Assert.True(held.IsReleased);
    }

    [Fact]
    public async Task AcquireAsync_ManyFlowsTakingRandomSetsAtIncreasingLevels_AllFinishWithoutOverlap()
    {
        var seed = Environment.GetEnvironmentVariable("BATON_HIERARCHY_SEED") is { Length: > 0 } given
            ? int.Parse(given, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var flowCount = StressFlows;
        string[] names = ["a", "b", "c", "d"];
        var hierarchyName = UniqueName("stress");
        Coordinator[] coordinators = [Coordinator, await CreateCoordinatorAsync(), await CreateCoordinatorAsync()];
        var wait = StressWait;
        var tracker = new HoldTracker();
        var rounds = StressRounds;

        var flows = Enumerable.Range(0, flowCount).Select(flow => InAnotherFlow(async () =>
        {
            var random = new Random(seed + flow);
            var hierarchy = coordinators[flow % coordinators.Length].CreateHierarchy(hierarchyName, Levels);
            var held = new List<(HierarchyLevelHandle Handle, IReadOnlyDictionary<string, LockMode>? Asked)>();
            for (var round = 0; round < rounds; round++)
            {
                var label = $"flow {flow} round {round}";
                for (var level = 0; level < Levels.Length; level++)
                {
                    if (random.Next(2) == 0 && !(level == Levels.Length - 1 && held.Count == 0))
                    {
                        continue;
                    }

                    var asked = random.Next(8) == 0 ? null : RandomSet(random, names);
                    var handle = asked is null
                        ? await hierarchy.AcquireAllAsync(Levels[level], wait)
                        : await hierarchy.AcquireAsync(Levels[level], asked, wait);
                    var expected = asked is null ? null : Expected(asked);
                    tracker.Enter(label, Levels[level], expected);
                    held.Add((handle, expected));
                    await Task.Yield();
                }

                // Release in any order: the order rule only concerns acquiring.
                foreach (var (handle, asked) in held.OrderBy(_ => random.Next()))
                {
                    tracker.Leave(label, handle.Level, asked);
                    await handle.ReleaseAsync();
                }

                held.Clear();
            }

            return flow;
        })).ToArray();

        // Each acquisition gives up after StressWait, so a deadlock surfaces as a flow's TimeoutException; the overall
        // bound catches anything else that would hang.
        var bound = wait * 6;
        var all = Task.WhenAll(flows);
        if (await Task.WhenAny(all, Task.Delay(bound)) != all)
        {
            var unfinished = Enumerable.Range(0, flowCount).Where(i => !flows[i].IsCompleted);
            throw new XunitException(
                $"Seed {seed}: flows {string.Join(", ", unfinished)} of {flowCount} had not finished {rounds} rounds after {bound}. Rerun with BATON_HIERARCHY_SEED={seed}.");
        }

        var failed = flows.Where(f => f.IsFaulted).Select(f => f.Exception!.InnerException!).ToList();
        Assert.True(
            failed.Count == 0,
            $"Seed {seed}: {failed.Count} of {flowCount} flows failed, first {failed.FirstOrDefault()?.GetType().Name}: {failed.FirstOrDefault()?.Message} Rerun with BATON_HIERARCHY_SEED={seed}.");
        Assert.True(tracker.Violations.Count == 0, $"Seed {seed}: {string.Join("; ", tracker.Violations.Take(5))}");
        Assert.Empty(await ListStressLocksAsync(hierarchyName));
    }

    /// <summary>Runs work in a flow that inherits no hierarchy levels from the test's flow (another owner).</summary>
    protected static Task<T> InAnotherFlow<T>(Func<ValueTask<T>> work)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(async () => await work());
        }
    }

    private static List<KeyValuePair<string, LockMode>> RandomSet(Random random, string[] names)
    {
        var count = random.Next(1, 4);
        return [.. Enumerable.Range(0, count).Select(_ => KeyValuePair.Create(
            names[random.Next(names.Length)], random.Next(5) < 2 ? LockMode.Shared : LockMode.Exclusive))];
    }

    /// <summary>What a set must give: each name once, exclusive when asked for exclusive at least once.</summary>
    private static Dictionary<string, LockMode> Expected(List<KeyValuePair<string, LockMode>> asked)
    {
        var expected = new Dictionary<string, LockMode>(StringComparer.Ordinal);
        foreach (var (name, mode) in asked)
        {
            expected[name] = expected.GetValueOrDefault(name, LockMode.Shared) == LockMode.Exclusive ? LockMode.Exclusive : mode;
        }

        return expected;
    }

    private async Task<List<string>> ListStressLocksAsync(string hierarchyName)
    {
        // Some backends end a released hold a moment later in their listing; wait for it rather than sleep.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var left = (await Coordinator.ListLocksAsync())
                .Where(l => l.Name.StartsWith(hierarchyName + "/", StringComparison.Ordinal) && l.Holders.Count + l.Waiters.Count > 0)
                .Select(l => l.Name)
                .ToList();
            if (left.Count == 0 || waited.Elapsed > Patience)
            {
                return left;
            }

            await Task.Delay(10);
        }
    }
}
