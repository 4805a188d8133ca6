using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton` on ZooKeeper: the verbs work against the real server the test script starts, and an unreachable server is exit 69.</summary>
public sealed class ZooKeeperCliTests
{
    private static string ZooKeeperUrl => Environment.GetEnvironmentVariable("BATON_TEST_ZOOKEEPER_URL") is { Length: > 0 } url
        ? $"{url}?prefix=/baton-cli-test/{Guid.NewGuid():N}&ttl=4s"
        : throw new InvalidOperationException("BATON_TEST_ZOOKEEPER_URL is not set: start ZooKeeper with scripts/servers/zookeeper.sh (scripts/test.sh does).");

    [Fact]
    public async Task Run_OnZooKeeper_RunsTheCommandWithTheTokenAndListsTheHolderMeanwhile()
    {
        var url = ZooKeeperUrl;
        await using (var holder = BatonProcess.Start("run", "deploy", "--backend", url, "--", "sh", "-c", "echo token=$BATON_FENCING_TOKEN; read line"))
        {
            var line = await holder.WaitForLineAsync("token=");
            Assert.True(long.Parse(line["token=".Length..], System.Globalization.CultureInfo.InvariantCulture) > 0, line);

            var (listExit, listing, listError) = await BatonProcess.RunAsync("locks", "--backend", url);
            Assert.True(listExit == 0, listError);
            Assert.Contains("deploy", listing, StringComparison.Ordinal);
            Assert.Equal(75, (await BatonProcess.RunAsync("run", "deploy", "--timeout", "0", "--backend", url, "--", "true")).ExitCode);

            await holder.WriteLineAsync("done");
            Assert.Equal(0, await holder.WaitForExitAsync());
        }

        Assert.Equal(0, (await BatonProcess.RunAsync("run", "deploy", "--timeout", "5s", "--backend", url, "--", "true")).ExitCode);
    }

    [Fact]
    public async Task Locks_UnreachableZooKeeper_Exits69NamingItWithoutThePassword()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("locks", "--backend", "zookeeper://root:hunter2@127.0.0.1:1");

        Assert.Equal(69, exitCode);
        Assert.Contains("127.0.0.1:1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }
}
