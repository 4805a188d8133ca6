using System.Diagnostics;
using System.Globalization;

namespace Baton.Failover;

/// <summary>
/// A copy of the harness started as <c>child elect|join URL NAME</c>: it connects, says READY, and then campaigns (printing
/// <c>ELECTED TIMESTAMP TERM</c> once it leads) or joins on "join" and leaves on "leave" (printing <c>JOINING</c> and
/// <c>JOINED</c>, <c>LEAVING</c> and <c>LEFT</c>, each with a timestamp, before and after the call). Timestamps are <see cref="Stopwatch.GetTimestamp"/>: CLOCK_MONOTONIC, the same clock in
/// every process of the machine. It exits when its stdin closes (or when it is killed, which is the point).
/// </summary>
internal static class Child
{
    public static async Task<int> RunAsync(string role, string url, string name)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { MemberId = $"{role}-{Environment.ProcessId}" });
        if (role == "join")
        {
            // Warm up (JIT, first round trips) on a group of its own, so the measured join is not a process's first.
            await using var warmUp = await coordinator.CreateGroup($"{name}-warm-up-{Environment.ProcessId}").JoinAsync();
        }

        Say("READY");
        if (role == "elect")
        {
            await using var leadership = await coordinator.CreateElection(name).CampaignAsync();
            Say(FormattableString.Invariant($"ELECTED {Stopwatch.GetTimestamp()} {leadership.Term}"));
            while (await Console.In.ReadLineAsync() is not null)
            {
            }

            return 0;
        }

        var group = coordinator.CreateGroup(name);
        GroupMembership? membership = null;
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "join")
            {
                Say(string.Create(CultureInfo.InvariantCulture, $"JOINING {Stopwatch.GetTimestamp()}"));
                membership = await group.JoinAsync(timeout: TimeSpan.FromMinutes(1));
                Say(string.Create(CultureInfo.InvariantCulture, $"JOINED {Stopwatch.GetTimestamp()}"));
            }
            else if (line == "leave" && membership is not null)
            {
                Say(string.Create(CultureInfo.InvariantCulture, $"LEAVING {Stopwatch.GetTimestamp()}"));
                await membership.LeaveAsync();
                Say(string.Create(CultureInfo.InvariantCulture, $"LEFT {Stopwatch.GetTimestamp()}"));
            }
        }

        return 0;
    }

    private static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
