using System.Diagnostics;
using System.Globalization;

namespace Baton.Membership;

/// <summary>The child processes: they print one line per event, with <see cref="Stopwatch.GetTimestamp"/> where timed.</summary>
internal static class Children
{
    /// <summary>Campaigns, prints <c>LEADING term</c>, then holds until killed (or stdin closes).</summary>
    public static async Task ElectAsync(string url, string name)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        await using var leadership = await coordinator.CreateElection(name).CampaignAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LEADING {leadership.Term}"));
        await Console.In.ReadToEndAsync();
    }

    /// <summary>
    /// Takes <c>join ID</c> and <c>leave ID</c> lines; prints <c>AT timestamp</c> just before each call and
    /// <c>DONE</c> after it.
    /// </summary>
    public static async Task JoinAsync(string url, string name)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var group = coordinator.CreateGroup(name);
        var memberships = new Dictionary<string, GroupMembership>(StringComparer.Ordinal);
        Console.WriteLine("READY");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AT {Stopwatch.GetTimestamp()}"));
            if (parts[0] == "join")
            {
                memberships[parts[1]] = await group.JoinAsync(parts[1]);
            }
            else if (memberships.Remove(parts[1], out var membership))
            {
                await membership.LeaveAsync();
            }

            Console.WriteLine("DONE");
        }
    }
}
