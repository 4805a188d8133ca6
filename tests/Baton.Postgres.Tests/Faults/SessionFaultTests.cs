using System.Diagnostics;
using Baton.Postgres.Options;
using Baton.Postgres.Tests.Support;
using Xunit;

namespace Baton.Postgres.Tests.Faults;

/// <summary>Faults on the shared test server: a terminated session, many locks on few sessions.</summary>
public sealed class SessionFaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TerminatedHolderSession_LostWithinTwoSeconds_WaiterGetsTheLockWithTakeover()
    {
        await using var holder = await Coordinator.ConnectAsync(TestServer.Url);
        await using var other = await Coordinator.ConnectAsync(TestServer.Url);
        var name = $"terminate-{Guid.NewGuid():N}";
        var held = await holder.CreateLock(name).AcquireAsync(Patience);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = held.LostToken.Register(() => lost.TrySetResult());
        var waiting = other.CreateLock(name).AcquireAsync(Patience).AsTask();
        var pid = await Sql.HolderBackendPidAsync(TestServer.Url, name);

        var terminated = Stopwatch.StartNew();
        Assert.True(await Sql.ScalarAsync<bool>(TestServer.Url, "SELECT pg_terminate_backend($1)", pid));

        await lost.Task.WaitAsync(Patience);
        Assert.True(terminated.Elapsed < TimeSpan.FromSeconds(2), $"The lost token fired {terminated.Elapsed.TotalMilliseconds:F0} ms after the session ended.");
        Assert.Equal(LossReason.ConnectionLost, held.LossReason);
        await using var next = await waiting.WaitAsync(Patience);
        Assert.Equal(TakeoverReason.HolderCrashed, next.Takeover?.Reason);
        Assert.Equal(held.FencingToken, next.Takeover?.PreviousFencingToken);
        Assert.True(next.FencingToken > held.FencingToken);
        await held.DisposeAsync();

        // The coordinator whose session was terminated works on new sessions.
        await using var again = await holder.CreateLock($"{name}-again").AcquireAsync(Patience);
        Assert.False(again.IsLost);
    }

    [Fact]
    public async Task TenThousandHeldLocks_UseFewSessions()
    {
        const int Count = 10_000;
        var memberId = $"many-{Guid.NewGuid():N}"[..13];
        await using var coordinator = await Coordinator.ConnectAsync(TestServer.Url, new CoordinatorOptions { MemberId = memberId });
        var prefix = $"many/{Guid.NewGuid():N}/";

        // The names' first use is a durable insert each; made here in one statement, so the test measures holding.
        await Sql.ScalarAsync<long>(
            TestServer.Url, "SELECT count(baton.keys(0::smallint, $1 || i, 0, 0)) FROM generate_series(1, $2) i", prefix, Count);

        var handles = new List<LockHandle>(Count);
        for (var i = 1; i <= Count; i++)
        {
            handles.Add((await coordinator.CreateLock(prefix + i).TryAcquireAsync())!);
        }

        Assert.All(handles, Assert.NotNull);
        var applicationName = PostgresBackendOptions.ApplicationName(coordinator.Member);
        var sessions = await Sql.ScalarAsync<long>(TestServer.Url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", applicationName);
        var locks = await Sql.ScalarAsync<long>(
            TestServer.Url,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1",
            applicationName);
        Assert.Equal(Count, locks);
        Assert.InRange(sessions, 1, 3);

        foreach (var handle in handles)
        {
            await handle.DisposeAsync();
        }

        Assert.Null((await coordinator.ListLocksAsync()).FirstOrDefault(l => l.Name.StartsWith(prefix, StringComparison.Ordinal)));
    }
}
