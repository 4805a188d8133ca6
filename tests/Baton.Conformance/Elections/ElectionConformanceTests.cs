using System.Threading.Channels;
using Xunit;

namespace Baton.Conformance;

/// <summary>
/// The leader election's contract (DESIGN.md, "Leader election"): at most one leader at a time, a term that grows with
/// every new leader, resign, loss, observing the leader and its changes once each. Cross-process cases (kill -9 of
/// the leader) are in <see cref="CrossProcess.CrossProcessConformanceTests"/>.
/// </summary>
public abstract class ElectionConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task CampaignAsync_Uncontested_LeadsAndEveryoneSeesTheLeader()
    {
        var name = UniqueName("election");
        var candidate = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "candidate-a" });

        await using var leadership = await candidate.CreateElection(name).CampaignAsync(Patience);

        Assert.True(leadership.Term > 0);
        Assert.Equal(name, leadership.Election);
        Assert.False(leadership.IsLost);
        var seen = await Coordinator.CreateElection(name).GetLeaderAsync();
        Assert.NotNull(seen);
        Assert.Equal("candidate-a", seen.Leader.CustomId);
        Assert.Equal(Environment.ProcessId, seen.Leader.ProcessId);
        Assert.Equal(leadership.Term, seen.Term);
        Assert.InRange(seen.Since, DateTimeOffset.UtcNow - Patience - ClockTolerance, DateTimeOffset.UtcNow + ClockTolerance);
    }

    [Fact]
    public async Task GetLeaderAsync_NobodyCampaigned_ReturnsNull()
    {
        Assert.Null(await Coordinator.CreateElection(UniqueName("election")).GetLeaderAsync());
    }

    [Fact]
    public async Task CampaignAsync_WhileAnotherLeads_WaitsUntilItResigns_ThenLeadsWithALargerTerm()
    {
        var name = UniqueName("election");
        var other = await CreateCoordinatorAsync();
        var first = await Coordinator.CreateElection(name).CampaignAsync(Patience);

        var second = other.CreateElection(name).CampaignAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);
        await AssertStillPendingAsync(second);
        await first.ResignAsync();

        await using var next = await WithinPatience(second);
        Assert.True(next.Term > first.Term, $"The new leader's term {next.Term} is not larger than {first.Term}.");
        Assert.True(first.IsResigned);
    }

    [Fact]
    public async Task TryCampaignAsync_WhileAnotherLeads_ReturnsNull()
    {
        var name = UniqueName("election");
        var other = await CreateCoordinatorAsync();
        await using var leader = await Coordinator.CreateElection(name).CampaignAsync(Patience);

        Assert.Null(await other.CreateElection(name).TryCampaignAsync());
    }

    [Fact]
    public async Task CampaignAsync_ManyCandidatesTakingTurns_NeverTwoLeadersAndTermsIncrease()
    {
        var name = UniqueName("election");
        Coordinator[] candidates = [Coordinator, await CreateCoordinatorAsync(), await CreateCoordinatorAsync()];
        var probe = new ExclusionProbe();
        var terms = new List<long>();
        var gate = new Lock();

        var workers = candidates.Select(candidate => Task.Run(async () =>
        {
            var election = candidate.CreateElection(name);
            for (var round = 0; round < 8; round++)
            {
                await using var leadership = await election.CampaignAsync(Patience);
                lock (gate)
                {
                    terms.Add(leadership.Term);
                }

                await probe.VisitAsync();
            }
        }));
        await Task.WhenAll(workers).WaitAsync(Patience * 3);

        Assert.Equal(0, probe.Overlaps);
        Assert.Equal(terms.Count, terms.Distinct().Count());
        Assert.Equal(terms, terms.Order());
    }

    [Fact]
    public async Task Election_IsTheLockOfTheSameName()
    {
        var name = UniqueName("election");
        await using var leadership = await Coordinator.CreateElection(name).CampaignAsync(Patience);
        var other = await CreateCoordinatorAsync();

        Assert.Null(await other.CreateLock(name).TryAcquireAsync());
        var listed = await FindAsync(name);
        Assert.NotNull(listed);
        Assert.Equal(leadership.Term, Assert.Single(listed.Holders).FencingToken);
    }

    [Fact]
    public async Task WatchLeaderAsync_SeesEveryChangeOnce()
    {
        var name = UniqueName("election");
        var a = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "watch-a" });
        var b = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "watch-b" });
        using var stop = new CancellationTokenSource();
        var seen = Channel.CreateUnbounded<LeaderInfo?>();
        var watching = Task.Run(async () =>
        {
            await foreach (var leader in Coordinator.CreateElection(name).WatchLeaderAsync(stop.Token))
            {
                await seen.Writer.WriteAsync(leader);
            }
        });

        try
        {
            Assert.Null(await NextAsync(seen));
            var first = await a.CreateElection(name).CampaignAsync(Patience);
            Assert.Equal("watch-a", (await NextAsync(seen))?.Leader.CustomId);

            var second = b.CreateElection(name).CampaignAsync(Patience).AsTask();
            await WaitForWaitersAsync(name, 1);
            await first.ResignAsync();
            await using (var leadership = await WithinPatience(second))
            {
                // A backend whose hand-over is two steps may be read between them, with nobody leading: a real change.
                var change = await NextAsync(seen) ?? await NextAsync(seen);
                Assert.Equal("watch-b", change?.Leader.CustomId);
                Assert.Equal(leadership.Term, change?.Term);
            }

            Assert.Null(await NextAsync(seen));
            await AssertNothingMoreAsync(seen);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task Leadership_CoordinatorDisposed_IsLostAndTheNextLeaderIsToldOfTheTakeover()
    {
        var name = UniqueName("election");
        var leaving = await CreateCoordinatorAsync(new CoordinatorOptions { MemberId = "leaving" });
        var leadership = await leaving.CreateElection(name).CampaignAsync(Patience);
        var next = Coordinator.CreateElection(name).CampaignAsync(Patience).AsTask();
        await WaitForWaitersAsync(name, 1);

        await leaving.DisposeAsync();

        Assert.True(leadership.LostToken.IsCancellationRequested);
        await using var taken = await WithinPatience(next);
        Assert.True(taken.Term > leadership.Term);
        Assert.NotNull(taken.Takeover);
        Assert.Contains(taken.Takeover.Reason, AbandonReasons);
        Assert.Equal("leaving", taken.Takeover.PreviousHolder.CustomId);
    }

    [Fact]
    public async Task Leadership_Broken_LostTokenFires()
    {
        if (!SupportsBreak || !SignalsLossOnBreak)
        {
            return; // The backend cannot break a live holder (rule 13); the lock suites check that it says so.
        }

        var name = UniqueName("election");
        var other = await CreateCoordinatorAsync();
        var leadership = await Coordinator.CreateElection(name).CampaignAsync(Patience);
        var lost = new TaskCompletionSource();
        using var registration = leadership.LostToken.Register(lost.SetResult);

        Assert.Single(await other.BreakLockAsync(name));

        await WithinPatience(lost.Task);
        Assert.True(leadership.IsLost);
        Assert.Equal(LossReason.Broken, leadership.LossReason);
        await leadership.ResignAsync(); // Never throws, even after the loss.
    }

    [Fact]
    public async Task CampaignAsync_Cancelled_ThrowsAndLeavesTheQueue()
    {
        var name = UniqueName("election");
        var other = await CreateCoordinatorAsync();
        await using var leader = await Coordinator.CreateElection(name).CampaignAsync(Patience);
        using var cancel = new CancellationTokenSource();
        var campaign = other.CreateElection(name).CampaignAsync(cancellationToken: cancel.Token).AsTask();
        await WaitForWaitersAsync(name, 1);

        // How fast (rule 6) is the lock suites' to check: a campaign is the lock's wait.
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => campaign.WaitAsync(Patience));
        await WaitForWaitersAsync(name, 0);
    }

    [Fact]
    public async Task ResignAsync_Twice_IsHarmless()
    {
        var name = UniqueName("election");
        var leadership = await Coordinator.CreateElection(name).CampaignAsync(Patience);

        await leadership.ResignAsync();
        await leadership.ResignAsync();
        leadership.Dispose();

        Assert.Null(await Coordinator.CreateElection(name).GetLeaderAsync());
    }

    [Fact]
    public void CreateElection_InvalidName_Throws()
    {
        Assert.Throws<ArgumentException>(() => Coordinator.CreateElection(string.Empty));
        Assert.Throws<ArgumentException>(() => Coordinator.CreateElection("a\0b"));
    }

    private async Task<LeaderInfo?> NextAsync(Channel<LeaderInfo?> seen) => await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    private async Task AssertNothingMoreAsync<T>(Channel<T> seen)
    {
        var more = seen.Reader.WaitToReadAsync().AsTask();
        await Task.WhenAny(more, Task.Delay(Quiet + WatchSlack));
        Assert.False(seen.Reader.TryRead(out var extra), $"The watch reported a change twice or a change that did not happen: {extra}.");
    }

    /// <summary>How long a watch may take to notice a change: a poll interval and a read on backends that poll.</summary>
    protected virtual TimeSpan WatchSlack => TimeSpan.FromMilliseconds(300);
}
