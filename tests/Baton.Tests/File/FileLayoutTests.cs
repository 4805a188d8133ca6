using Baton.Files;
using Baton.Files.Guard;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>What the file backend leaves on disk: nothing when nobody holds or waits, never a path outside its directory, never a followed link.</summary>
public sealed class FileLayoutTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    // A parent of its own, so anything escaping the lock directory would show up beside it.
    private readonly string _directory = Path.Combine(TestDirectories.NewPath("layout"), "locks");
    private Coordinator _coordinator = null!;

    public async Task InitializeAsync() => _coordinator = await Coordinator.ConnectAsync("file://" + _directory);

    public async Task DisposeAsync() => await _coordinator.DisposeAsync();

    [Fact]
    public async Task Release_EveryPrimitive_LeavesOnlyTheFencingCounter()
    {
        var other = await Coordinator.ConnectAsync("file://" + _directory);
        await using (other)
        {
            var exclusive = await _coordinator.CreateLock("plain").AcquireAsync(Patience);
            var firstReader = await _coordinator.CreateReaderWriterLock("shared").AcquireReadAsync(Patience);
            var secondReader = await other.CreateReaderWriterLock("shared").AcquireReadAsync(Patience);
            var slot = await _coordinator.CreateSemaphore("slots", 3).AcquireAsync(Patience);
            var waiting = other.CreateLock("plain").AcquireAsync(Patience).AsTask();
            Assert.Contains("plain.lock", Entries());

            await exclusive.DisposeAsync();
            await (await waiting.WaitAsync(Patience)).DisposeAsync();
            await firstReader.DisposeAsync();
            Assert.Contains("shared.lock", Entries());
            await secondReader.DisposeAsync();
            await slot.DisposeAsync();
        }

        Assert.Equal([FencingCounter.FileName, NameGuard.FileName], Entries());
        Assert.Empty(await _coordinator.ListLocksAsync());
    }

    [Fact]
    public async Task Acquire_SymlinkPlantedWhereTheLockFileGoes_RefusesAndNeverFollowsIt()
    {
        var victim = Path.Combine(TestDirectories.NewPath("victim"));
        Directory.CreateDirectory(Path.GetDirectoryName(victim)!);
        await System.IO.File.WriteAllTextAsync(victim, "precious");
        System.IO.File.CreateSymbolicLink(Path.Combine(_directory, "planted.lock"), victim);

        var e = await Assert.ThrowsAsync<IOException>(() => _coordinator.CreateLock("planted").TryAcquireAsync().AsTask());

        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await System.IO.File.ReadAllTextAsync(victim));
        Assert.True(new FileInfo(Path.Combine(_directory, "planted.lock")).LinkTarget is not null, "The planted link was replaced or removed.");
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/abs")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("CON")]
    [InlineData("Zürich-锁-🔒")]
    [InlineData("%2e%2e")]
    public async Task Acquire_PathLikeNames_StayInsideTheDirectoryAndRoundTrip(string name)
    {
        var parent = Path.GetDirectoryName(_directory)!;

        await using (var handle = await _coordinator.CreateLock(name).AcquireAsync(Patience))
        {
            var lockFile = Assert.Single(Entries(), e => e.EndsWith(".lock", StringComparison.Ordinal));
            Assert.DoesNotContain('/', lockFile);
            Assert.Equal(name, FileNames.Unescape(lockFile[..^".lock".Length]));
            Assert.Equal(name, Assert.Single(await _coordinator.ListLocksAsync()).Name);
        }

        Assert.Equal([_directory], Directory.GetFileSystemEntries(parent));
        Assert.Equal([FencingCounter.FileName, NameGuard.FileName], Entries());
    }

    [Fact]
    public void Escape_LongName_ReadablePrefixAndHashWithinNameMax()
    {
        var name = string.Concat(Enumerable.Repeat("é", 512));
        var similar = string.Concat(Enumerable.Repeat("é", 511)) + "e";

        var escaped = FileNames.Escape(name);

        Assert.True(escaped.Length <= FileNames.MaxEscapedLength, $"'{escaped}' is {escaped.Length} characters.");
        Assert.StartsWith("%C3%A9%C3%A9", escaped, StringComparison.Ordinal);
        Assert.NotEqual(escaped, FileNames.Escape(similar));
        Assert.Null(FileNames.Unescape(escaped));
        Assert.Equal("a%2Fb", FileNames.Escape("a/b"));
        Assert.Equal("a%252Fb", FileNames.Escape("a%2Fb"));
    }

    [Fact]
    public async Task FencingToken_AcrossDeletionOfTheLockFile_KeepsIncreasingAndStartsAboveTheClock()
    {
        var startedMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var previous = 0L;
        for (var i = 0; i < 5; i++)
        {
            await using (var handle = await _coordinator.CreateLock("deleted-each-time").AcquireAsync(Patience))
            {
                Assert.True(handle.FencingToken > previous);
                Assert.True(handle.FencingToken > startedMicros - 1_000_000, "The counter was not seeded from the clock.");
                previous = handle.FencingToken;
            }

            Assert.Equal([FencingCounter.FileName, NameGuard.FileName], Entries());
        }

        await using var fresh = await Coordinator.ConnectAsync("file://" + _directory);
        await using var again = await fresh.CreateLock("deleted-each-time").AcquireAsync(Patience);
        Assert.True(again.FencingToken > previous);
    }

    private string[] Entries() => [.. Directory.GetFileSystemEntries(_directory).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];
}
