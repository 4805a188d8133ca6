using System.Diagnostics;
using System.Globalization;

namespace Baton.Failover;

/// <summary>
/// The other process: <c>lead</c> campaigns and leads until killed; <c>member</c> joins and leaves a group on
/// command (<c>join ID</c>, <c>leave</c> on stdin), printing the monotonic timestamp taken just before each call.
/// </summary>
internal static class Child
{
    public static async Task<int> RunAsync(string role, string url, string name)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        Console.WriteLine("ready");
        if (role == "lead")
        {
            await using var leadership = await coordinator.CreateElection(name).CampaignAsync();
            Console.WriteLine($"leading {leadership.Term}");
            await Task.Delay(Timeout.InfiniteTimeSpan);
            return 0;
        }

        var group = coordinator.CreateGroup(name);
        GroupMembership? membership = null;
        while (Console.ReadLine() is { } line)
        {
            var started = Stopwatch.GetTimestamp();
            if (line.StartsWith("join ", StringComparison.Ordinal))
            {
                membership = await group.JoinAsync(line["join ".Length..]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"joined {started}"));
            }
            else if (membership is not null)
            {
                await membership.LeaveAsync();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"left {started}"));
            }
        }

        return 0;
    }
}
