using Xunit;

namespace Baton.Etcd.Tests;

/// <summary>
/// A three-member cluster whose leader is killed (kill -9) while four clients contend for one lock: nobody holds
/// it together with anyone else, tokens keep increasing, and the waiters go on once a new leader is elected.
/// </summary>
public sealed class EtcdClusterTests
{
    private const int Workers = 4;
    private const int RoundsBeforeKill = 20;
    private const int RoundsAfterKill = 5;

    [Fact]
    public async Task LeaderKilledDuringContention_NoDoubleHolder_TokensIncrease_WaitersProceed()
    {
        await using var cluster = await PrivateEtcd.StartAsync(size: 3);
        var url = cluster.Url($"prefix=cluster-{Guid.NewGuid():N}/&ttl=5s");
        var coordinators = new List<Coordinator>();
        for (var i = 0; i < Workers; i++)
        {
            coordinators.Add(await Coordinator.ConnectAsync(url));
        }

        try
        {
            var inside = 0;
            var overlaps = 0;
            var lastToken = 0L;
            var tokenRegressions = 0;
            var total = 0;
            var afterKill = new int[Workers];
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var leaderDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var gate = new Lock();

            async Task WorkAsync(int worker)
            {
                var distributedLock = coordinators[worker].CreateLock("contended");
                while (Volatile.Read(ref afterKill[worker]) < RoundsAfterKill)
                {
                    await using var handle = await distributedLock.AcquireAsync(TimeSpan.FromSeconds(60));
                    if (Interlocked.Increment(ref inside) != 1 && !handle.LostToken.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    lock (gate)
                    {
                        if (handle.FencingToken <= lastToken)
                        {
                            tokenRegressions++;
                        }

                        lastToken = Math.Max(lastToken, handle.FencingToken);
                        if (++total == RoundsBeforeKill)
                        {
                            killed.TrySetResult();
                        }
                    }

                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
                    if (leaderDown.Task.IsCompleted)
                    {
                        Interlocked.Increment(ref afterKill[worker]);
                    }
                }
            }

            var work = Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkAsync(w))));
            await killed.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var leader = await cluster.LeaderAsync();
            await cluster.KillMemberAsync(leader);
            leaderDown.SetResult();

            await work.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(0, overlaps);
            Assert.Equal(0, tokenRegressions);
            Assert.All(afterKill, count => Assert.True(count >= RoundsAfterKill));
        }
        finally
        {
            foreach (var coordinator in coordinators)
            {
                await coordinator.DisposeAsync();
            }
        }
    }
}
