using Xunit;

namespace Baton.Tests.Memory;

/// <summary>
/// Races between giving up and being granted, run many times: whichever wins, nothing may be left held or
/// queued, and an acquisition that reports failure must not own the name.
/// </summary>
public sealed class MemoryRaceTests : IAsyncLifetime
{
    private const int Rounds = 500;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _url = $"memory://races-{Guid.NewGuid():N}";
    private Coordinator _first = null!;
    private Coordinator _second = null!;

    public async Task InitializeAsync()
    {
        _first = await Coordinator.ConnectAsync(_url);
        _second = await Coordinator.ConnectAsync(_url);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task AcquireAsync_CancellationRacingRelease_NeverLeavesTheNameHeld()
    {
        var granted = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var name = $"cancel-{round}";
            var held = await _first.CreateLock(name).AcquireAsync();
            using var cancellation = new CancellationTokenSource();
            var waiting = _second.CreateLock(name).AcquireAsync(cancellationToken: cancellation.Token).AsTask();

            await Task.WhenAll(Task.Run(() => cancellation.CancelAsync()), Task.Run(() => held.DisposeAsync().AsTask()));

            try
            {
                await (await waiting.WaitAsync(Patience)).DisposeAsync();
                granted++;
            }
            catch (OperationCanceledException)
            {
            }

            await using var after = await _first.CreateLock(name).TryAcquireAsync();
            Assert.True(after is not null, $"Round {round}: '{name}' was left held or queued.");
        }

        Assert.Empty(await _first.ListLocksAsync());
        Assert.InRange(granted, 0, Rounds);
    }

    [Fact]
    public async Task TryAcquireAsync_TimeoutRacingRelease_NeverLeavesTheNameHeld()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var name = $"timeout-{round}";
            var held = await _first.CreateLock(name).AcquireAsync();
            var waiting = _second.CreateLock(name).TryAcquireAsync(TimeSpan.FromMilliseconds(1)).AsTask();

            await Task.Run(() => held.DisposeAsync().AsTask());

            if (await waiting.WaitAsync(Patience) is { } handle)
            {
                await handle.DisposeAsync();
            }

            await using var after = await _first.CreateLock(name).TryAcquireAsync();
            Assert.True(after is not null, $"Round {round}: '{name}' was left held or queued.");
        }

        Assert.Empty(await _first.ListLocksAsync());
    }

    [Fact]
    public async Task TryUpgradeAsync_TimeoutRacingTheOtherReadersRelease_EndsConsistent()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var name = $"upgrade-{round}";
            var upgrading = await _first.CreateReaderWriterLock(name).AcquireReadAsync();
            var other = await _second.CreateReaderWriterLock(name).AcquireReadAsync();
            var upgrade = upgrading.TryUpgradeAsync(TimeSpan.FromMilliseconds(1)).AsTask();

            await Task.Run(() => other.DisposeAsync().AsTask());

            var upgraded = await upgrade.WaitAsync(Patience);
            Assert.Equal(upgraded ? LockMode.Exclusive : LockMode.Shared, upgrading.Mode);
            Assert.Equal(upgrading.Mode, Assert.Single((await _first.ListLocksAsync()).Single(l => l.Name == name).Holders).Mode);
            await upgrading.DisposeAsync();
            await using var after = await _second.CreateReaderWriterLock(name).TryAcquireWriteAsync();
            Assert.True(after is not null, $"Round {round}: '{name}' was left held or queued.");
        }
    }

    [Fact]
    public async Task DisposeAsync_CoordinatorRacingAcquisitions_LeavesNothingBehind()
    {
        for (var round = 0; round < 100; round++)
        {
            var doomed = await Coordinator.ConnectAsync(_url);
            var name = $"dispose-{round}";
            var acquisitions = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                try
                {
                    await using var handle = await doomed.CreateLock(name).AcquireAsync(Patience);
                }
                catch (ObjectDisposedException)
                {
                }
            })).ToList();

            await doomed.DisposeAsync();
            await Task.WhenAll(acquisitions).WaitAsync(Patience);

            await using var after = await _first.CreateLock(name).AcquireAsync(Patience);
            Assert.NotNull(after);
        }

        Assert.Empty(await _second.ListLocksAsync());
    }
}
