// Baton.Failover — how fast elections and groups react, per backend, with real processes on this machine.
//
//   dotnet run -c Release --project bench/Baton.Failover -- --backend URL [--trials N] [--measures failover,membership] [--seed S]
//
// failover:   a leader process and a second candidate campaign in one election; the leader is killed (kill -9);
//             the time from the kill to the second candidate's "elected" (lease backends: about the lease time).
// membership: this process watches a group (MemberGroup.WatchAsync); a child joins, leaves, joins again and is
//             killed; the time from the start of the child's JoinAsync (LeaveAsync) call to the watcher's Joined
//             (Left) event, and from the kill to the Left event.
// Times are CLOCK_MONOTONIC in both processes (Stopwatch.GetTimestamp), so they compare across processes.

using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Baton;
using Baton.Failover;

if (args is ["child", var role, var childUrl, var childName])
{
    return await Child.RunAsync(role, childUrl, childName);
}

string? url = null;
var trials = 5;
var seed = 1;
var measures = new[] { "failover", "membership" };
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--backend": url = args[i + 1]; break;
        case "--trials": trials = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--measures": measures = args[i + 1].Split(','); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 64;
    }
}

if (url is not null && url.StartsWith("memory:", StringComparison.Ordinal))
{
    Console.Error.WriteLine("memory:// lives in one process; this harness measures between processes.");
    return 64;
}

if (url is null)
{
    Console.Error.WriteLine("usage: Baton.Failover --backend URL [--trials N] [--measures failover,membership]");
    return 64;
}

var patience = TimeSpan.FromSeconds(90);
var random = new Random(seed);
var rows = new List<(string Measure, List<double> Milliseconds)>();
Console.Error.WriteLine($"{url}: {trials} trials of {string.Join(", ", measures)}");
if (measures.Contains("failover"))
{
    var samples = new List<double>();
    for (var trial = 0; trial < trials; trial++)
    {
        var name = $"failover-{Guid.NewGuid():N}";
        await using var leader = await ChildProcess.StartAsync("elect", url, name, patience);
        await leader.ExpectAsync("ELECTED", patience);
        await using var next = await ChildProcess.StartAsync("elect", url, name, patience);
        await using (var observer = await Coordinator.ConnectAsync(url))
        {
            // The second candidate is queued before the kill: wait until the listing shows it waiting.
            while ((await observer.ListLocksAsync()).FirstOrDefault(l => l.Name == name)?.Waiters.Count is not > 0)
            {
                await Task.Delay(10);
            }
        }

        // A crash lands anywhere in the lease's renewal cycle (a third of the TTL): kill at a random moment of the next
        // second rather than at the same point after every start, so lease backends' figures spread as real ones do.
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1000)));
        var killedAt = leader.KillHard();
        var electedAt = await next.ExpectAsync("ELECTED", patience);
        samples.Add(Stopwatch.GetElapsedTime(killedAt, electedAt).TotalMilliseconds);
        Console.Error.WriteLine($"  failover {trial + 1}: {samples[^1]:F1} ms");
    }

    rows.Add(("leader failover after kill -9", samples));
}

if (measures.Contains("membership"))
{
    List<double> joins = [], leaves = [], crashes = [];
    await using var watcher = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = "watcher" });
    for (var trial = 0; trial < trials; trial++)
    {
        var name = $"membership-{Guid.NewGuid():N}";
        var group = watcher.CreateGroup(name);
        await using var self = await group.JoinAsync("watcher");
        using var stop = new CancellationTokenSource();
        var events = Channel.CreateUnbounded<(GroupChange Change, long At)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in group.WatchAsync(stop.Token))
            {
                events.Writer.TryWrite((change, Stopwatch.GetTimestamp()));
            }
        });
        await NextAsync(); // Our own membership: the watch is running.
        await using var child = await ChildProcess.StartAsync("join", url, name, patience);

        // From the start of the child's call: a join is visible before JoinAsync returns (it then checks for a
        // duplicate id), and a leave before LeaveAsync has finished.
        await child.SendAsync("join");
        var joiningAt = await child.ExpectAsync("JOINING", patience);
        joins.Add(Stopwatch.GetElapsedTime(joiningAt, (await NextAsync()).At).TotalMilliseconds);
        await child.ExpectAsync("JOINED", patience);
        await child.SendAsync("leave");
        var leavingAt = await child.ExpectAsync("LEAVING", patience);
        leaves.Add(Stopwatch.GetElapsedTime(leavingAt, (await NextAsync()).At).TotalMilliseconds);
        await child.ExpectAsync("LEFT", patience);
        await child.SendAsync("join");
        await child.ExpectAsync("JOINED", patience);
        await NextAsync();
        var killedAt = child.KillHard();
        crashes.Add(Stopwatch.GetElapsedTime(killedAt, (await NextAsync()).At).TotalMilliseconds);
        Console.Error.WriteLine($"  membership {trial + 1}: join {joins[^1]:F1} ms, leave {leaves[^1]:F1} ms, kill -9 {crashes[^1]:F1} ms");
        await stop.CancelAsync();
        await watching.ContinueWith(static _ => { }, TaskScheduler.Default);

        async Task<(GroupChange Change, long At)> NextAsync() => await events.Reader.ReadAsync().AsTask().WaitAsync(patience);
    }

    rows.Add(("JoinAsync called → Joined seen by a watcher", joins));
    rows.Add(("LeaveAsync called → Left seen by a watcher", leaves));
    rows.Add(("member killed (kill -9) seen leaving", crashes));
}

Console.WriteLine($"| measure ({BackendLabel(url)}) | median | min | max | trials |");
Console.WriteLine("|---|---:|---:|---:|---:|");
foreach (var (measure, samples) in rows)
{
    samples.Sort();
    Console.WriteLine(FormattableString.Invariant(
        $"| {measure} | {Median(samples):F1} ms | {samples[0]:F1} ms | {samples[^1]:F1} ms | {samples.Count} |"));
}

return 0;

static double Median(List<double> sorted) =>
    sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

static string BackendLabel(string url) => Baton.Backends.BackendUrl.Redact(url);
