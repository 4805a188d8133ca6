using Baton.Postgres.Tests.Support;
using Npgsql;
using Xunit;

namespace Baton.Postgres.Tests.Faults;

/// <summary>
/// The rows of the holds table behind Baton's back: a session's row for a key is reused by its later holds of
/// that key (only updated), so a row that disappears must be made again, and a row an earlier session left held
/// under a process id a new session gets is a leftover, never the new session's own.
/// </summary>
public sealed class HoldsRowTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Acquire_SessionsRowDeletedMeanwhile_TheHoldIsRecordedAgain()
    {
        await using var coordinator = await Coordinator.ConnectAsync(TestServer.Url);
        var name = $"row-deleted-{Guid.NewGuid():N}";
        var distributedLock = coordinator.CreateLock(name);
        await (await distributedLock.AcquireAsync(Patience)).DisposeAsync();
        await DeleteRowsAsync(name);

        var handle = await distributedLock.AcquireAsync(Patience);

        var holder = Assert.Single((await coordinator.ListLocksAsync()).Single(l => l.Name == name).Holders);
        Assert.Equal(handle.FencingToken, holder.FencingToken);
        await handle.DisposeAsync();
        await using var next = await distributedLock.AcquireAsync(Patience);
        Assert.Null(next.Takeover);
    }

    [Fact]
    public async Task Release_SessionsRowDeletedWhileHeld_TheLockIsReleasedAnyway()
    {
        await using var coordinator = await Coordinator.ConnectAsync(TestServer.Url);
        await using var other = await Coordinator.ConnectAsync(TestServer.Url);
        var name = $"row-deleted-held-{Guid.NewGuid():N}";
        var handle = await coordinator.CreateLock(name).AcquireAsync(Patience);
        await DeleteRowsAsync(name);

        await handle.DisposeAsync();

        await using var next = await other.CreateLock(name).AcquireAsync(TimeSpan.Zero);
        Assert.Null(next.Takeover);
    }

    [Fact]
    public async Task Hello_RowLeftHeldUnderTheNewSessionsPid_IsMovedAside_TheNextHolderIsToldOfIt()
    {
        var name = $"pid-reused-{Guid.NewGuid():N}";
        await using (var coordinator = await Coordinator.ConnectAsync(TestServer.Url))
        {
            // Makes the schema and the name's key.
            await (await coordinator.CreateLock(name).AcquireAsync(Patience)).DisposeAsync();
        }

        // A session that finds a row still held under its own pid (as when a dead session's pid comes round again).
        await using var connection = new NpgsqlConnection(Sql.ConnectionString(TestServer.Url));
        await connection.OpenAsync();
        await using (var plant = new NpgsqlCommand(
            """
            INSERT INTO baton.holds (key, pid, name_key, token, mode, max_count, member, held)
            SELECT id, pg_backend_pid(), id, 42, 'x', 1, E'ghost\t1\tgone\t', true FROM baton.names WHERE kind = 0 AND name = $1 AND slot = 0
            """,
            connection))
        {
            plant.Parameters.Add(new NpgsqlParameter { Value = name });
            await plant.ExecuteNonQueryAsync();
        }

        await using (var hello = new NpgsqlCommand("SELECT baton.hello6('test')", connection))
        {
            await hello.ExecuteNonQueryAsync();
        }

        await using (var moved = new NpgsqlCommand("SELECT pid < 0 FROM baton.holds WHERE token = 42 AND held", connection))
        {
            Assert.True((bool)(await moved.ExecuteScalarAsync())!);
        }

        await using var other = await Coordinator.ConnectAsync(TestServer.Url);
        await using var next = await other.CreateLock(name).AcquireAsync(Patience);
        Assert.Equal(TakeoverReason.HolderCrashed, next.Takeover?.Reason);
        Assert.Equal(42, next.Takeover?.PreviousFencingToken);
        Assert.Equal("ghost", next.Takeover?.PreviousHolder.Host);
    }

    [Fact]
    public async Task Handoffs_BetweenLiveSessions_NeverReportATakeover()
    {
        // The next holder is woken by the unlock, before the releasing statement has committed its row: it must wait
        // for that row (or skip it) rather than take it for a leftover.
        await using var first = await Coordinator.ConnectAsync(TestServer.Url);
        await using var second = await Coordinator.ConnectAsync(TestServer.Url);
        var name = $"handoffs-{Guid.NewGuid():N}";
        var (a, b) = (first.CreateLock(name), second.CreateLock(name));
        var held = await a.AcquireAsync(Patience);
        for (var i = 0; i < 200; i++)
        {
            var waiting = (i % 2 == 0 ? b : a).AcquireAsync(Patience).AsTask();
            await held.DisposeAsync();
            held = await waiting;
            Assert.True(held.Takeover is null, $"Handoff {i} reported a takeover: {held.Takeover}.");
        }

        await held.DisposeAsync();
    }

    private static Task<long> DeleteRowsAsync(string name) =>
        Sql.ScalarAsync<long>(
            TestServer.Url,
            "WITH d AS (DELETE FROM baton.holds WHERE key = (SELECT id FROM baton.names WHERE kind = 0 AND name = $1 AND slot = 0) RETURNING 1) SELECT count(*) FROM d",
            name);
}
