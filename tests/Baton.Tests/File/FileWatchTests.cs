using Baton.Files;
using System.Threading.Channels;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// Elections and groups on <c>file://</c> are told of changes by inotify, not by polling: with a poll interval of an
/// hour, joins, leaves and leader changes are still seen at once.
/// </summary>
public sealed class FileWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly string Url = TestDirectories.NewUrl("watch");

    [Fact]
    public async Task GroupWatch_SeesJoinAndLeaveWithoutPolling()
    {
        var name = $"group-{Guid.NewGuid():N}";
        await using var watcher = await Coordinator.ConnectAsync(Url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var member = await Coordinator.ConnectAsync(Url);
        using var stop = new CancellationTokenSource();
        var seen = Channel.CreateUnbounded<GroupChange>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in watcher.CreateGroup(name).WatchAsync(stop.Token))
            {
                await seen.Writer.WriteAsync(change);
            }
        });

        var joined = await member.CreateGroup(name).JoinAsync("m");
        var first = await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        await joined.LeaveAsync();
        var second = await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        Assert.Equal((GroupChangeKind.Joined, "m"), (first.Kind, first.Member.Id));
        Assert.Equal((GroupChangeKind.Left, "m"), (second.Kind, second.Member.Id));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Patience));
    }

    [Fact]
    public async Task LeaderWatch_SeesAHandOverWithoutPolling()
    {
        var name = $"election-{Guid.NewGuid():N}";
        await using var watcher = await Coordinator.ConnectAsync(Url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var a = await Coordinator.ConnectAsync(Url, new CoordinatorOptions { MemberId = "a" });
        await using var b = await Coordinator.ConnectAsync(Url, new CoordinatorOptions { MemberId = "b" });
        using var stop = new CancellationTokenSource();
        var leaders = Channel.CreateUnbounded<LeaderInfo?>();
        var watching = Task.Run(async () =>
        {
            await foreach (var leader in watcher.CreateElection(name).WatchLeaderAsync(stop.Token))
            {
                await leaders.Writer.WriteAsync(leader);
            }
        });
        Assert.Null(await leaders.Reader.ReadAsync().AsTask().WaitAsync(Patience));

        var first = await a.CreateElection(name).CampaignAsync(Patience);
        Assert.Equal("a", (await leaders.Reader.ReadAsync().AsTask().WaitAsync(Patience))?.Leader.CustomId);
        var second = b.CreateElection(name).CampaignAsync(Patience).AsTask();
        await first.ResignAsync();
        await using var leadership = await second.WaitAsync(Patience);
        var next = await leaders.Reader.ReadAsync().AsTask().WaitAsync(Patience) ?? await leaders.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(("b", leadership.Term), (next?.Leader.CustomId, next?.Term));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Patience));
    }
}

/// <summary>A watch of an idle name is not woken; measured with no other test of this process running.</summary>
[CollectionDefinition(nameof(FileWatchIdleTests), DisableParallelization = true)]
[Collection(nameof(FileWatchIdleTests))]
public sealed class FileWatchIdleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly string Url = TestDirectories.NewUrl("watch-idle");

    [Fact]
    public async Task GroupWatch_IdleGroup_IsNotWoken()
    {
        var name = $"idle-{Guid.NewGuid():N}";
        await using var watcher = await Coordinator.ConnectAsync(Url, new CoordinatorOptions { WatchPollInterval = TimeSpan.FromHours(1) });
        await using var member = await Coordinator.ConnectAsync(Url);
        await using var joined = await member.CreateGroup(name).JoinAsync("m");
        using var stop = new CancellationTokenSource();
        var changes = 0;
        var first = new TaskCompletionSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in watcher.CreateGroup(name).WatchAsync(stop.Token))
            {
                Interlocked.Increment(ref changes);
                first.TrySetResult();
            }
        });
        await first.Task.WaitAsync(Patience);

        // The watcher's own reads of the group must not wake it (they would, with closes of read-only descriptors in
        // the inotify mask, and it would read again for ever).
        var wakes = FileNameWatch.Wakes;
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(0, FileNameWatch.Wakes - wakes);
        Assert.Equal(1, Volatile.Read(ref changes));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Patience));
    }
}
