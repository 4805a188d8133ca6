using Baton.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Baton.Hosting.Tests.Docs;

// The code of docs/hosting.md, compiled and run here so that the page cannot drift from the API.

/// <summary>docs/hosting.md, "A leader service": work that runs on one instance at a time, fenced by the term.</summary>
internal sealed partial class Reindexer(ISearchIndex index, ILogger<Reindexer> logger) : LeaderService
{
    protected override async Task ExecuteAsLeaderAsync(Leadership leadership, CancellationToken stoppingOrLost)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(5));
        do
        {
            // The index refuses writes stamped with a term older than the newest it has seen,
            // so a deposed leader that has not noticed yet cannot overwrite its successor's work.
            await index.RebuildAsync(fencingToken: leadership.Term, stoppingOrLost);
            LogRebuilt(leadership.Term);
        }
        while (await timer.WaitForNextTickAsync(stoppingOrLost));
    }

    [LoggerMessage(LogLevel.Information, "Rebuilt the index as leader (term {Term})")]
    private partial void LogRebuilt(long term);
}

/// <summary>docs/hosting.md, "Partitioning": each instance handles the keys the ring gives it.</summary>
internal sealed class NodeSync(GroupMembershipService workers, INodeStore nodes) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await workers.WaitForMembershipAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
        do
        {
            foreach (var node in await nodes.ListAsync(stoppingToken))
            {
                if (workers.Owns(node))
                {
                    await nodes.SyncAsync(node, stoppingToken);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

internal interface ISearchIndex
{
    Task RebuildAsync(long fencingToken, CancellationToken cancellationToken);
}

internal interface INodeStore
{
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);

    Task SyncAsync(string node, CancellationToken cancellationToken);
}

/// <summary>Runs the page's Program.cs on memory:// with its appsettings.json section as configuration.</summary>
public sealed class HostingDocSamples
{
    [Fact]
    public async Task ProgramOfThePage_Starts_LeadsSyncsOwnNodes_Healthy()
    {
        var index = new RecordingIndex();
        var nodes = new RecordingNodes(["node/1", "node/2", "node/3"]);
        var builder = TestHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["Baton:BackendUrl"] = TestBackends.NewUrl("memory", "docs"),
            ["Baton:MemberId"] = "conductor-1",
        });
        builder.Services.AddSingleton<ISearchIndex>(index);
        builder.Services.AddSingleton<INodeStore>(nodes);

        // From here: the page's Program.cs.
        builder.Services.AddBaton(builder.Configuration.GetSection("Baton"))
            .AddLeaderService<Reindexer>("search/reindex")
            .AddGroupMembership("conductors", options => options.Capabilities = """{"weight": 2}""")
            .AddHealthCheck(tags: ["ready"]);
        builder.Services.AddHostedService<NodeSync>();
        // To here.

        await using var host = await builder.StartAsync();

        Assert.True(await index.Rebuilt.Task.WaitAsync(TestHost.Patience) > 0);
        Assert.Equal(3, await nodes.AllSynced.Task.WaitAsync(TestHost.Patience));
        Assert.Equal(HealthStatus.Healthy, (await host.CheckHealthAsync()).Status);
    }

    private sealed class RecordingIndex : ISearchIndex
    {
        public TaskCompletionSource<long> Rebuilt { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task RebuildAsync(long fencingToken, CancellationToken cancellationToken)
        {
            Rebuilt.TrySetResult(fencingToken);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingNodes(IReadOnlyList<string> all) : INodeStore
    {
        private int _synced;

        public TaskCompletionSource<int> AllSynced { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(all);

        public Task SyncAsync(string node, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _synced) == all.Count)
            {
                AllSynced.TrySetResult(all.Count);
            }

            return Task.CompletedTask;
        }
    }
}
