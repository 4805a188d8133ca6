using System.Diagnostics;
using System.Globalization;
using Baton.SideBySide.Subjects;

namespace Baton.SideBySide.ChildProcesses;

/// <summary>
/// The child side of <see cref="ChildProcess"/>: one client of an in-process subject (Baton, DistributedLock.Redis) on one name, driven by stdin lines.
/// Timestamps are <see cref="Stopwatch.GetTimestamp"/>, CLOCK_MONOTONIC on Linux, which every process
/// shares, so the parent can subtract a timestamp of one child from another's.
/// <list type="bullet">
/// <item><c>worker</c>: warms up, says "ready", waits for "go DEADLINE", acquires and releases in a loop
/// until DEADLINE and answers "count N" (the cycles that finished before it).</item>
/// <item><c>agent</c>: says "ready", then per line: "acquire" → blocks until held, "acquired T";
/// "release" → "released T" with T read just before the release call.</item>
/// </list>
/// </summary>
internal static class ChildMain
{
    public static async Task<int> RunAsync(string role, string spec, MeasureSettings settings, CancellationToken cancellationToken)
    {
        await using var subject = SubjectCatalog.Create(spec, TimeSpan.FromMinutes(1), BatonPlacement.InProcess) as InProcessSubject
            ?? throw new ArgumentException($"--child runs an in-process subject (baton:URL, distributedlock-redis:URL, distributedlock-postgres:URL); got '{spec}'.");
        await using var client = await subject.OpenClientAsync(settings.LockName, cancellationToken);
        switch (role)
        {
            case "worker":
                await WorkAsync(client);
                return 0;
            case "agent":
                await ServeAsync(client);
                return 0;
            default:
                throw new ArgumentException($"Unknown --child role '{role}'; use worker or agent.");
        }
    }

    private static async Task WorkAsync(ILockClient client)
    {
        for (var i = 0; i < 100; i++)
        {
            await client.AcquireAsync();
            await client.ReleaseAsync();
        }

        Console.WriteLine("ready");
        var go = Console.ReadLine() ?? "";
        if (!go.StartsWith("go ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"expected 'go DEADLINE', got '{go}'.");
        }

        var stopAt = long.Parse(go[3..], NumberStyles.Integer, CultureInfo.InvariantCulture);
        long count = 0;
        while (true)
        {
            // As ContendedMeasure: nothing inside the hold; a cycle counts when it ended before the deadline.
            await client.AcquireAsync();
            await client.ReleaseAsync();
            if (Stopwatch.GetTimestamp() >= stopAt)
            {
                break;
            }

            count++;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"count {count}"));
    }

    private static async Task ServeAsync(ILockClient client)
    {
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } command)
        {
            switch (command)
            {
                case "acquire":
                    await client.AcquireAsync();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acquired {Stopwatch.GetTimestamp()}"));
                    break;
                case "release":
                    var releasedAt = Stopwatch.GetTimestamp();
                    await client.ReleaseAsync();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"released {releasedAt}"));
                    break;
                default:
                    throw new InvalidOperationException($"unknown command '{command}'.");
            }
        }
    }
}
