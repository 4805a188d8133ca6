using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Baton.Membership;

/// <summary>The measures; each prints its samples and a summary.</summary>
internal static class Measures
{
    public static async Task FailoverAsync(string url, int samples)
    {
        var ttl = TtlOf(url);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var times = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var name = "failover-" + Guid.NewGuid().ToString("N");
            await using var child = Child.Start("child-elect", url, name);
            await child.ExpectAsync("LEADING");
            var campaign = coordinator.CreateElection(name).CampaignAsync().AsTask();
            await WaitForWaiterAsync(coordinator, name);

            // Crashes land anywhere in the leader's renewal period (a third of the TTL): spread them evenly over it.
            await Task.Delay(ttl / 3 * i / samples);
            var killedAt = Stopwatch.GetTimestamp();
            child.KillHard();
            await using var leadership = await campaign;
            times.Add(Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failover {i + 1}: {times[^1]:F1} ms (term {leadership.Term}, takeover {leadership.Takeover?.Reason})"));
        }

        Summarize($"failover after kill -9, ttl {ttl.TotalSeconds:0.###} s", times);
    }

    public static async Task MembershipAsync(string url, int samples)
    {
        var name = "members-" + Guid.NewGuid().ToString("N");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        using var stop = new CancellationTokenSource();
        var seen = Channel.CreateUnbounded<(GroupChange Change, long At)>();
        var watching = WatchAsync(coordinator.CreateGroup(name), seen.Writer, stop.Token);
        await using var child = Child.Start("child-join", url, name);
        await child.ExpectAsync("READY");
        var joins = new List<double>();
        var leaves = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"m{i}");
            joins.Add(await ChangeAsync(child, $"join {id}", seen.Reader, GroupChangeKind.Joined, id));
            leaves.Add(await ChangeAsync(child, $"leave {id}", seen.Reader, GroupChangeKind.Left, id));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"member {id}: joined seen after {joins[^1]:F2} ms, left after {leaves[^1]:F2} ms"));
        }

        await stop.CancelAsync();
        await watching;
        Summarize("join seen by a watcher in another process", joins);
        Summarize("leave seen by a watcher in another process", leaves);
    }

    public static async Task CrashAsync(string url, int samples)
    {
        var ttl = TtlOf(url);
        var name = "crash-" + Guid.NewGuid().ToString("N");
        await using var coordinator = await Coordinator.ConnectAsync(url);
        using var stop = new CancellationTokenSource();
        var seen = Channel.CreateUnbounded<(GroupChange Change, long At)>();
        var watching = WatchAsync(coordinator.CreateGroup(name), seen.Writer, stop.Token);
        var times = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"m{i}");
            await using var child = Child.Start("child-join", url, name);
            await child.ExpectAsync("READY");
            await ChangeAsync(child, $"join {id}", seen.Reader, GroupChangeKind.Joined, id);
            await Task.Delay(ttl / 3 * i / samples);
            var killedAt = Stopwatch.GetTimestamp();
            child.KillHard();
            times.Add((await NextAsync(seen.Reader, GroupChangeKind.Left, id) - killedAt) * 1000.0 / Stopwatch.Frequency);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"crash {i + 1}: left seen after {times[^1]:F1} ms"));
        }

        await stop.CancelAsync();
        await watching;
        Summarize($"crashed member seen leaving, ttl {ttl.TotalSeconds:0.###} s", times);
    }

    public static async Task UncontendedAsync(string url, int cycles, int rounds)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var gate = coordinator.CreateLock("uncontended-" + Guid.NewGuid().ToString("N"));
        for (var i = 0; i < 1000; i++)
        {
            await (await gate.AcquireAsync()).DisposeAsync();
        }

        var medians = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var samples = new double[cycles];
            for (var i = 0; i < cycles; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await (await gate.AcquireAsync()).DisposeAsync();
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }

            Array.Sort(samples);
            medians.Add(samples[cycles / 2]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: median {samples[cycles / 2]:F1} us, p99 {samples[cycles * 99 / 100]:F1} us"));
        }

        Summarize("uncontended acquire+release (round medians), us", medians);
    }

    private static async Task<double> ChangeAsync(Child child, string command, ChannelReader<(GroupChange Change, long At)> seen, GroupChangeKind kind, string id)
    {
        await child.SendAsync(command);
        var at = long.Parse((await child.ExpectAsync("AT ")).AsSpan(3), CultureInfo.InvariantCulture);
        await child.ExpectAsync("DONE");
        return (await NextAsync(seen, kind, id) - at) * 1000.0 / Stopwatch.Frequency;
    }

    private static async Task<long> NextAsync(ChannelReader<(GroupChange Change, long At)> seen, GroupChangeKind kind, string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var (change, at) = await seen.ReadAsync(timeout.Token);
            if (change.Kind == kind && change.Member.Id == id)
            {
                return at;
            }
        }
    }

    private static async Task WatchAsync(MemberGroup group, ChannelWriter<(GroupChange, long)> seen, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in group.WatchAsync(cancellationToken))
            {
                seen.TryWrite((change, Stopwatch.GetTimestamp()));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task WaitForWaiterAsync(Coordinator coordinator, string name)
    {
        // Setting up a measure, not part of it: nothing signals a queued campaign to a third party.
        while ((await coordinator.ListLocksAsync()).SingleOrDefault(l => l.Name == name)?.Waiters.Count != 1)
        {
            await Task.Delay(10);
        }
    }

    private static TimeSpan TtlOf(string url)
    {
        var query = url.Contains('?', StringComparison.Ordinal) ? url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
        foreach (var pair in query.Split('&'))
        {
            if (pair.StartsWith("ttl=", StringComparison.Ordinal) && Baton.Backends.BackendUrl.TryParseDuration(pair[4..], out var ttl))
            {
                return ttl;
            }
        }

        return TimeSpan.FromSeconds(15);
    }

    private static void Summarize(string what, List<double> values)
    {
        var sorted = values.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"== {what}: median {median:F2}, min {sorted[0]:F2}, max {sorted[^1]:F2} over {sorted.Length} samples"));
    }
}
