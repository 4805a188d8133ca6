using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// `baton` on redis://: an unreachable server exits 69 without showing the password; against the real test server
/// (BATON_TEST_REDIS_URL, from scripts/servers/redis.sh) `run` holds the lock and `locks` shows who holds it.
/// </summary>
public sealed class RedisCliTests
{
    private const string Secret = "cli-s3cret";

    [Fact]
    public async Task Locks_UnreachableRedis_Exits69WithoutThePassword()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync("locks", "--backend", $"redis://user:{Secret}@127.0.0.1:{ClosedPort()}");

        Assert.Equal(69, exitCode);
        Assert.Contains("Redis", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnreachableRedis_Exits69AndNeverRunsTheCommand()
    {
        var marker = Path.Combine(Path.GetTempPath(), "baton-redis-cli-" + Guid.NewGuid().ToString("N"));
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "run", "job", "--backend", $"redis://:{Secret}@127.0.0.1:{ClosedPort()}", "--", "touch", marker);

        Assert.Equal(69, exitCode);
        Assert.False(File.Exists(marker), "The command ran although the backend was unreachable.");
        Assert.DoesNotContain(Secret, error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAndLocks_OnRedis_TheHolderIsListedWithItsToken()
    {
        var url = $"{RedisUrl()}?prefix=cli-{Guid.NewGuid():N}:";
        await using var baton = BatonProcess.Start("run", "cli job", "--backend", url, "--", "sh", "-c", "echo token=$BATON_FENCING_TOKEN; read line");
        var tokenLine = await baton.WaitForLineAsync("token=");
        var token = long.Parse(tokenLine["token=".Length..], System.Globalization.CultureInfo.InvariantCulture);

        var listed = await LocksJson.WaitForAsync(url, "cli job", l => l.Holders.Count == 1);
        var holder = Assert.Single(listed!.Holders);
        Assert.Equal(token, holder.FencingToken);
        var (busyExit, _, _) = await BatonProcess.RunAsync("run", "cli job", "--backend", url, "--timeout", "0", "--", "true");
        Assert.Equal(75, busyExit);

        await baton.WriteLineAsync("done");
        Assert.Equal(0, await baton.WaitForExitAsync());
        await LocksJson.WaitForAsync(url, "cli job", _ => false, absentCounts: true);
    }

    [Fact]
    public async Task ElectJoinLeaderMembers_OnRedis_ShowTheLeaderAndTheMember()
    {
        var url = $"{RedisUrl()}?prefix=cli-{Guid.NewGuid():N}:";
        await using var leader = BatonProcess.Start("elect", "scheduler", "--id", "node-a", "--backend", url, "--", "sh", "-c", "echo \"leading $BATON_TERM\"; read line");
        var term = (await leader.WaitForLineAsync("leading "))["leading ".Length..];
        await using var member = BatonProcess.Start("join", "scheduler", "--id", "worker-1", "--backend", url, "--", "sh", "-c", "echo joined; read line");
        await member.WaitForLineAsync("joined");

        var (leaderExit, leaderJson, leaderError) = await BatonProcess.RunAsync("leader", "scheduler", "--json", "--backend", url);
        var (membersExit, membersJson, membersError) = await BatonProcess.RunAsync("members", "scheduler", "--json", "--backend", url);
        var (busyExit, _, _) = await BatonProcess.RunAsync("elect", "scheduler", "--timeout", "0", "--backend", url, "--", "true");

        Assert.True(leaderExit == 0, leaderError);
        using (var document = System.Text.Json.JsonDocument.Parse(leaderJson))
        {
            var elected = document.RootElement.GetProperty("leader");
            Assert.Equal(term, elected.GetProperty("term").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("node-a", elected.GetProperty("member").GetProperty("id").GetString());
        }

        Assert.True(membersExit == 0, membersError);
        using (var document = System.Text.Json.JsonDocument.Parse(membersJson))
        {
            var listed = Assert.Single(document.RootElement.GetProperty("members").EnumerateArray()); // the group, not the election of its name
            Assert.Equal("worker-1", listed.GetProperty("id").GetString());
        }

        Assert.Equal(75, busyExit);
        foreach (var process in (BatonProcess[])[leader, member])
        {
            await process.WriteLineAsync("done");
            Assert.Equal(0, await process.WaitForExitAsync());
        }

        Assert.Equal(1, (await BatonProcess.RunAsync("leader", "scheduler", "--backend", url)).ExitCode);
    }

    private static string RedisUrl() => Baton.Conformance.Servers.TestServerUrls.Redis;

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
