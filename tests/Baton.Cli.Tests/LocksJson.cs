using System.Text.Json;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>A holder or waiter as `baton locks --json` shows it.</summary>
internal sealed record MemberView(string Mode, int Pid, string Host, string Process, long? FencingToken, double Seconds);

/// <summary>A lock as `baton locks --json` shows it.</summary>
internal sealed record LockView(string Name, string Kind, IReadOnlyList<MemberView> Holders, IReadOnlyList<MemberView> Waiters);

/// <summary>Reads `baton locks --json` (a real process) and waits for states in it.</summary>
internal static class LocksJson
{
    /// <summary>Runs `baton locks --json` once and parses it, checking the documented schema on the way.</summary>
    public static async Task<IReadOnlyList<LockView>> ReadAsync(string backendUrl)
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync("locks", "--json", "--backend", backendUrl);
        Assert.True(exitCode == 0, $"locks --json exited {exitCode}: {error}");
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(backendUrl, root.GetProperty("backend").GetString());
        _ = root.GetProperty("observedAt").GetDateTimeOffset();
        return [.. root.GetProperty("locks").EnumerateArray().Select(l => new LockView(
            l.GetProperty("name").GetString()!,
            l.GetProperty("kind").GetString()!,
            [.. l.GetProperty("holders").EnumerateArray().Select(h => Member(h, h.GetProperty("fencingToken").GetInt64(), h.GetProperty("heldSeconds").GetDouble()))],
            [.. l.GetProperty("waiters").EnumerateArray().Select(w => Member(w, null, w.GetProperty("waitedSeconds").GetDouble()))]))];
    }

    /// <summary>Polls (a listing has no event to wait on) until the named lock satisfies <paramref name="condition"/>; returns it.</summary>
    public static async Task<LockView?> WaitForAsync(string backendUrl, string name, Func<LockView, bool> condition, bool absentCounts = false)
    {
        var deadline = DateTime.UtcNow + BatonProcess.Patience;
        while (true)
        {
            var locks = await ReadAsync(backendUrl);
            var view = locks.FirstOrDefault(l => l.Name == name);
            if (view is null ? absentCounts : condition(view))
            {
                return view;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{name}' did not reach the expected state; last: {(view is null ? "absent" : System.Text.Json.JsonSerializer.Serialize(view))}");
            }

            await Task.Delay(50);
        }
    }

    private static MemberView Member(JsonElement element, long? token, double seconds)
    {
        var member = element.GetProperty("member");
        _ = element.GetProperty("since").GetDateTimeOffset();
        Assert.True(member.TryGetProperty("id", out _), "member.id is always present (null when unset)");
        return new MemberView(
            element.GetProperty("mode").GetString()!,
            member.GetProperty("pid").GetInt32(),
            member.GetProperty("host").GetString()!,
            member.GetProperty("process").GetString()!,
            token,
            seconds);
    }
}
