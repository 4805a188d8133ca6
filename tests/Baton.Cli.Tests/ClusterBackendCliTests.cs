using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// `baton` on etcd and on ZooKeeper (one test per backend, the same steps): the verbs work against the real servers the
/// test script starts, and an unreachable server is exit 69.
/// </summary>
public sealed class ClusterBackendCliTests
{
    [Theory]
    [InlineData("etcd")]
    [InlineData("zookeeper")]
    public async Task Run_RunsTheCommandWithTheTokenAndListsTheHolderMeanwhile(string backend)
    {
        var url = ClusterServers.TestUrl(backend);
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

    /// <summary>Groups on the cluster backends: the member `baton members` lists, with its capabilities, apart from the lock of the same name.</summary>
    [Theory]
    [InlineData("etcd")]
    [InlineData("zookeeper")]
    public async Task JoinAndMembers_TheMemberIsListed_ApartFromTheLockOfTheSameName(string backend)
    {
        var url = ClusterServers.TestUrl(backend);
        await using var member = BatonProcess.Start(
            "join", "workers", "--id", "worker-1", "--capabilities", "{\"zone\":\"a\"}", "--backend", url, "--", "sh", "-c", "echo joined; read line");
        await member.WaitForLineAsync("joined");

        var (membersExit, members, membersError) = await BatonProcess.RunAsync("members", "workers", "--json", "--backend", url);
        var (runExit, _, runError) = await BatonProcess.RunAsync("run", "workers", "--timeout", "0", "--backend", url, "--", "true");

        Assert.True(membersExit == 0, membersError);
        using (var document = System.Text.Json.JsonDocument.Parse(members))
        {
            var listed = Assert.Single(document.RootElement.GetProperty("members").EnumerateArray());
            Assert.Equal("worker-1", listed.GetProperty("id").GetString());
            Assert.Equal(member.Id, listed.GetProperty("member").GetProperty("pid").GetInt32());
            Assert.Equal("a", listed.GetProperty("capabilities").GetProperty("zone").GetString());
        }

        Assert.True(runExit == 0, $"the lock 'workers' is not the group 'workers': exit {runExit}, {runError}");
        await member.WriteLineAsync("done");
        Assert.Equal(0, await member.WaitForExitAsync());
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("zookeeper")]
    public async Task Locks_UnreachableServer_Exits69NamingItWithoutThePassword(string backend)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("locks", "--backend", $"{backend}://root:hunter2@127.0.0.1:1");

        Assert.Equal(69, exitCode);
        Assert.Contains("127.0.0.1:1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }
}
