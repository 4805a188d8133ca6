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

    private static string RedisUrl()
    {
        var url = Environment.GetEnvironmentVariable("BATON_TEST_REDIS_URL");
        return string.IsNullOrWhiteSpace(url)
            ? throw new InvalidOperationException("BATON_TEST_REDIS_URL is not set: run the tests through scripts/test.sh, or start a server with scripts/servers/redis.sh.")
            : url.Trim().TrimEnd('/');
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
