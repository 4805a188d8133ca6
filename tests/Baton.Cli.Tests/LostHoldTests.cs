using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// What baton does when the hold its command runs under is lost: SIGTERM to the command, SIGKILL after
/// <c>--kill-after</c>. Lost here by an operator's break on etcd and ZooKeeper: the file backend's locks cannot be lost
/// while baton lives (the kernel holds them).
/// </summary>
public sealed class LostHoldTests
{
    // Ignores SIGTERM (says so and goes on): only SIGKILL ends it.
    private const string Stubborn = "trap 'echo got-term' TERM; echo ready; while :; do sleep 0.05; done";

    [Theory]
    [InlineData("etcd")]
    [InlineData("zookeeper")]
    public async Task Run_LockBroken_CommandGetsSigtermThenSigkillAfterTheGrace(string backend)
    {
        var url = ClusterServers.TestUrl(backend);
        await using var baton = BatonProcess.Start("run", "job", "--kill-after", "1s", "--backend", url, "--", "sh", "-c", Stubborn);
        await baton.WaitForLineAsync("ready");

        var (breakExit, _, breakError) = await BatonProcess.RunAsync("break", "job", "--yes", "--backend", url);

        Assert.True(breakExit == 0, breakError);
        await baton.WaitForLineAsync("got-term");
        Assert.Equal(137, await baton.WaitForExitAsync()); // run: the command's own status, here killed by SIGKILL
        Assert.Contains("lost the lock 'job' (Broken)", baton.Error, StringComparison.Ordinal);
        Assert.Contains("the command did not exit within 1.0s of SIGTERM; sent SIGKILL.", baton.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("zookeeper")]
    public async Task Elect_LeadershipBroken_CommandGetsSigtermBatonExits76AndTheNextCandidateLeads(string backend)
    {
        var url = ClusterServers.TestUrl(backend);
        await using var leader = BatonProcess.Start(
            "elect", "scheduler", "--backend", url, "--", "sh", "-c", "trap 'echo got-term; exit 0' TERM; echo leading; while :; do sleep 0.05; done");
        await leader.WaitForLineAsync("leading");
        await using var next = BatonProcess.Start("elect", "scheduler", "--backend", url, "--", "sh", "-c", "echo next-leading; read line");

        var (breakExit, _, breakError) = await BatonProcess.RunAsync("break", "scheduler", "--yes", "--backend", url);

        Assert.True(breakExit == 0, breakError);
        Assert.Equal(76, await leader.WaitForExitAsync()); // the command exited 0, but it was not leading any more
        Assert.Contains("got-term", leader.Output, StringComparison.Ordinal);
        Assert.Contains("lost leadership of 'scheduler' (Broken)", leader.Error, StringComparison.Ordinal);
        Assert.Contains("the command ended with 0 after leadership of 'scheduler' was lost; exiting 76", leader.Error, StringComparison.Ordinal);
        await next.WaitForLineAsync("next-leading");
        await next.WriteLineAsync("done");
        Assert.Equal(0, await next.WaitForExitAsync());
    }

    [Fact]
    public async Task Join_MembershipDeletedOnEtcd_CommandGetsSigtermAndBatonExits76()
    {
        var url = ClusterServers.TestUrl("etcd");
        await using var member = BatonProcess.Start(
            "join", "workers", "--id", "worker-1", "--backend", url, "--", "sh", "-c", "trap 'echo got-term; exit 0' TERM; echo joined; while :; do sleep 0.05; done");
        await member.WaitForLineAsync("joined");

        await ClusterServers.DeleteEtcdKeysAsync(url);

        Assert.Equal(76, await member.WaitForExitAsync());
        Assert.Contains("got-term", member.Output, StringComparison.Ordinal);
        Assert.Contains("lost membership of 'worker-1' in 'workers' (Broken)", member.Error, StringComparison.Ordinal);
    }
}
