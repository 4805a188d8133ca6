using System.Diagnostics;
using System.Globalization;

namespace Baton.Failover;

/// <summary>The two measures; each prints every run and then the median, minimum and maximum.</summary>
internal static class Measures
{
    public static async Task FailoverAsync(string url, int runs)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var times = new List<TimeSpan>();
        for (var run = 0; run < runs; run++)
        {
            var name = $"failover-{Guid.NewGuid():N}";
            await using var leader = await ChildProcess.StartAsync("lead", url, name);
            var term = long.Parse(await leader.ExpectAsync("leading"), CultureInfo.InvariantCulture);
            var election = coordinator.CreateElection(name);
            var campaign = election.CampaignAsync().AsTask();
            await WaitForWaiterAsync(coordinator, name);

            // A kill at a random point of the leader's keep-alive (or ping) period, as a crash would come.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5000)));
            leader.Kill();
            var killedAt = Stopwatch.GetTimestamp();
            await using var leadership = await campaign;
            var took = Stopwatch.GetElapsedTime(killedAt);
            times.Add(took);
            Console.WriteLine($"run {run + 1}: led {took.TotalSeconds:0.000} s after kill -9 (term {term} -> {leadership.Term}, takeover: {leadership.Takeover?.Reason})");
        }

        Report("leader failover after kill -9", times);
    }

    public static async Task MembershipAsync(string url, int runs)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var name = $"members-{Guid.NewGuid():N}";
        await using var member = await ChildProcess.StartAsync("member", url, name);
        using var stop = new CancellationTokenSource();
        await using var changes = coordinator.CreateGroup(name).WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var joins = new List<TimeSpan>();
        var leaves = new List<TimeSpan>();
        for (var run = 0; run < runs; run++)
        {
            var id = $"m{run}";
            await member.SendAsync("join " + id);
            joins.Add(await SeenAsync(changes, member, GroupChangeKind.Joined, id, "joined"));
            await member.SendAsync("leave");
            leaves.Add(await SeenAsync(changes, member, GroupChangeKind.Left, id, "left"));
        }

        await stop.CancelAsync();
        Report("join seen by a watcher in another process", joins);
        Report("leave seen by a watcher in another process", leaves);
    }

    private static async Task<TimeSpan> SeenAsync(IAsyncEnumerator<GroupChange> changes, ChildProcess member, GroupChangeKind kind, string id, string word)
    {
        if (!await changes.MoveNextAsync())
        {
            throw new InvalidOperationException("The watch ended.");
        }

        var seenAt = Stopwatch.GetTimestamp();
        if (changes.Current.Kind != kind || changes.Current.Member.Id != id)
        {
            throw new InvalidOperationException($"Saw {changes.Current.Kind} {changes.Current.Member.Id}, expected {kind} {id}.");
        }

        // Both timestamps are the machine's monotonic clock (CLOCK_MONOTONIC on Linux), shared by the processes.
        var startedAt = long.Parse(await member.ExpectAsync(word), CultureInfo.InvariantCulture);
        return Stopwatch.GetElapsedTime(startedAt, seenAt);
    }

    private static async Task WaitForWaiterAsync(Coordinator coordinator, string name)
    {
        while ((await coordinator.ListLocksAsync()).SingleOrDefault(i => i.Name == name)?.Waiters.Count is not > 0)
        {
            await Task.Delay(20);
        }
    }

    private static void Report(string what, List<TimeSpan> times)
    {
        var sorted = times.Select(t => t.TotalMilliseconds).Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{what}: median {median:0.0} ms, min {sorted[0]:0.0} ms, max {sorted[^1]:0.0} ms, {sorted.Length} runs"));
    }
}
