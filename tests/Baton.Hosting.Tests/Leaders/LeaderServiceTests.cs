using Baton.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Baton.Hosting.Tests.Leaders;

/// <summary>A <see cref="LeaderService"/> in real hosts: one leader at a time, handover at stop, loss, failure, resignation.</summary>
public sealed class LeaderServiceTests
{
    private const string Election = "reindex";

    [Theory]
    [MemberData(nameof(TestBackends.Kinds), MemberType = typeof(TestBackends))]
    public async Task TwoHosts_OneRunsTheWork_StoppingItHandsOverToTheOther(string kind)
    {
        var url = TestBackends.NewUrl(kind, "leader-handover");
        var overlap = new WorkOverlap();
        var (first, firstProbe) = await StartLeaderHostAsync(url, overlap, "host-1");
        await using var firstHost = first;
        var (second, secondProbe) = await StartLeaderHostAsync(url, overlap, "host-2");
        await using var secondHost = second;

        var firstElected = firstProbe.NextElectedAsync();
        var secondElected = secondProbe.NextElectedAsync();
        var winner = await Task.WhenAny(firstElected, secondElected);
        var (leaderHost, leaderProbe, otherHost, otherElected) = winner == firstElected
            ? (first, firstProbe, second, secondElected)
            : (second, secondProbe, first, firstElected);
        var leadership = await winner;
        Assert.True(leaderHost.Services.GetRequiredService<ProbeLeader>().IsLeader);
        Assert.False(otherHost.Services.GetRequiredService<ProbeLeader>().IsLeader);
        Assert.False(otherElected.IsCompleted);

        await leaderHost.StopAsync();

        var end = await leaderProbe.NextEndAsync();
        Assert.True(end.TokenCancelled);
        Assert.False(end.Leadership.IsLost);
        var next = await otherElected;
        Assert.True(next.Term > leadership.Term, $"term {next.Term} after {leadership.Term}");
        Assert.Equal(1, overlap.Most);
        Assert.Contains($"Resigned leadership of '{Election}' (term {leadership.Term})", leaderHost.AllLogs(), StringComparison.Ordinal);
        Assert.Contains($"Elected leader of '{Election}' (term {next.Term})", otherHost.AllLogs(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeadershipBroken_WorkTokenCancelled_CampaignsAgainWithANewTerm()
    {
        var url = TestBackends.NewUrl("memory", "leader-broken");
        var (host, probe) = await StartLeaderHostAsync(url, new WorkOverlap(), "host-1");
        await using var running = host;
        var first = await probe.NextElectedAsync();

        await using (var operator_ = await Coordinator.ConnectAsync(url))
        {
            Assert.Single(await operator_.BreakLockAsync(Election));
        }

        var end = await probe.NextEndAsync();
        Assert.Same(first, end.Leadership);
        Assert.True(end.TokenCancelled);
        Assert.True(first.IsLost);
        Assert.Equal(LossReason.Broken, first.LossReason);
        var second = await probe.NextElectedAsync();
        Assert.True(second.Term > first.Term, $"term {second.Term} after {first.Term}");
        Assert.Contains($"Lost leadership of '{Election}' (term {first.Term}): Broken", host.AllLogs(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestBackends.Kinds), MemberType = typeof(TestBackends))]
    public async Task WorkThrows_LoggedAndResigned_CampaignsAgainAfterTheDelay(string kind)
    {
        var url = TestBackends.NewUrl(kind, "leader-failure");
        var (host, probe) = await StartLeaderHostAsync(url, new WorkOverlap(), "host-1", failuresToInject: 1);
        await using var running = host;
        var failed = await probe.NextElectedAsync();
        var end = await probe.NextEndAsync();
        Assert.True(end.Threw);

        var again = await probe.NextElectedAsync();

        Assert.True(failed.IsResigned);

        Assert.True(again.Term > failed.Term, $"term {again.Term} after {failed.Term}");
        var logs = host.AllLogs();
        Assert.Contains($"The leader work of '{Election}' (term {failed.Term}) failed; resigned", logs, StringComparison.Ordinal);
        Assert.Contains("injected failure of the leader work", logs, StringComparison.Ordinal);
        Assert.Contains($"Campaigning in election '{Election}' again in", logs, StringComparison.Ordinal);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Theory]
    [MemberData(nameof(TestBackends.Kinds), MemberType = typeof(TestBackends))]
    public async Task HostStops_Resigns_NobodyLeads(string kind)
    {
        var url = TestBackends.NewUrl(kind, "leader-stop");
        var (host, probe) = await StartLeaderHostAsync(url, new WorkOverlap(), "host-1");
        await using var running = host;
        var leadership = await probe.NextElectedAsync();
        await using var observer = await Coordinator.ConnectAsync(url);
        var leader = await observer.CreateElection(Election).GetLeaderAsync();
        Assert.Equal(leadership.Term, leader?.Term);
        Assert.Equal("host-1", leader?.Leader.CustomId);

        await host.StopAsync();

        Assert.True(leadership.IsResigned);
        Assert.False(leadership.IsLost);
        Assert.Null(await observer.CreateElection(Election).GetLeaderAsync());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task BackendRefusedAtFirst_LazyConnection_CampaignRetried_ElectedOnceItIsUsable()
    {
        var url = TestDirectories.NewRefusedUrl();
        var campaignFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new LeaderProbe(new WorkOverlap());
        var builder = TestHost.CreateBuilder(logSink: line =>
        {
            if (line.Contains($"Campaigning in election '{Election}' failed; trying again in", StringComparison.Ordinal))
            {
                campaignFailed.TrySetResult();
            }
        });
        builder.Services.AddSingleton(probe);
        builder.Services.AddBaton(url, options => options.ConnectAtStart = false)
            .AddLeaderService<ProbeLeader>(Election, options =>
            {
                options.RetryDelay = TimeSpan.FromMilliseconds(20);
                options.MaxRetryDelay = TimeSpan.FromMilliseconds(100);
            });
        await using var host = await builder.StartAsync();
        await campaignFailed.Task.WaitAsync(TestHost.Patience);

        // The operator fixes the directory's mode; the next campaign connects.
        File.SetUnixFileMode(new Uri(url).LocalPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var leadership = await probe.NextElectedAsync();
        Assert.True(host.Services.GetRequiredService<BatonConnection>().IsConnected);
        Assert.Contains("writable by every user", host.AllLogs(), StringComparison.Ordinal);
        Assert.True(leadership.Term > 0);
    }

    [Fact]
    public async Task RegisteredWithAddHostedService_StartFailsSayingHowToRegisterIt()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(TestBackends.NewUrl("memory", "leader-unbound"));
        builder.Services.AddSingleton(new LeaderProbe(new WorkOverlap()));
        builder.Services.AddHostedService<ProbeLeader>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.StartAsync());

        Assert.Contains("AddLeaderService<ProbeLeader>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddLeaderService_SameTypeTwice_Refused()
    {
        var services = new ServiceCollection();
        var baton = services.AddBaton("memory://");
        baton.AddLeaderService<ProbeLeader>("a");

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKeyedBaton("other", "memory://").AddLeaderService<ProbeLeader>("b"));

        Assert.Contains("ProbeLeader is already registered", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    public void AddLeaderService_BadElectionName_Refused(string election)
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddBaton("memory://").AddLeaderService<ProbeLeader>(election));

        Assert.Equal("election", error.ParamName);
    }

    [Fact]
    public async Task BadRetryDelay_StartFailsNamingTheOption()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new LeaderProbe(new WorkOverlap()));
        builder.Services.AddBaton(TestBackends.NewUrl("memory", "leader-options"))
            .AddLeaderService<ProbeLeader>(Election, options => options.RetryDelay = TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains($"LeaderServiceOptions['{typeof(ProbeLeader).FullName}'].RetryDelay: must be positive", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(RunningHost Host, LeaderProbe Probe)> StartLeaderHostAsync(string url, WorkOverlap overlap, string memberId, int failuresToInject = 0)
    {
        var probe = new LeaderProbe(overlap) { FailuresToInject = failuresToInject };
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddBaton(url, options => options.MemberId = memberId)
            .AddLeaderService<ProbeLeader>(Election, options => options.RetryDelay = TimeSpan.FromMilliseconds(20));
        return (await builder.StartAsync(), probe);
    }
}
