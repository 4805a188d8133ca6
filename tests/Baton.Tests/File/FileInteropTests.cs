using Baton.Files;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// Sharing locks with peers that are not Baton: Python's <c>fcntl.lockf</c> (what oslo.concurrency and
/// fasteners take) with <c>layout=oslo</c>, and util-linux <c>flock(1)</c> with <c>api=flock</c>. The
/// peers print a line once they hold the lock and keep it until their standard input closes.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private const string LockfHolder = """
        import os, sys, fcntl
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        sys.stdin.read()
        """;

    private const string LockfTry = """
        import os, sys, fcntl
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print("acquired")
        except OSError:
            print("busy")
        """;

    [Theory]
    [InlineData("nova", "nova-instance_42")]
    [InlineData("nova-", "nova-instance_42")]
    public async Task OsloLayout_PythonLockfHolder_ExcludesBatonAndBatonExcludesIt(string prefix, string fileName)
    {
        var directory = TestDirectories.NewPath("oslo");
        await using var coordinator = await Coordinator.ConnectAsync($"file://{directory}?layout=oslo&prefix={prefix}");
        var path = Path.Combine(directory, fileName);

        using (var python = ProcessRunner.Start(ProcessRunner.Python, "-c", LockfHolder, path))
        {
            Assert.Equal("held", await ProcessRunner.ReadLineAsync(python, Patience));
            Assert.Null(await coordinator.CreateLock("instance/42").TryAcquireAsync());
            var waiting = coordinator.CreateLock("instance/42").AcquireAsync(Patience).AsTask();

            python.StandardInput.Close();
            await using var handle = await waiting.WaitAsync(Patience);
            Assert.Equal("busy", (await ProcessRunner.RunAsync(Patience, ProcessRunner.Python, "-c", LockfTry, path)).Trim());
        }

        Assert.True(System.IO.File.Exists(path), "layout=oslo must keep the lock file: oslo peers do not re-check the inode.");
        Assert.Equal("acquired", (await ProcessRunner.RunAsync(Patience, ProcessRunner.Python, "-c", LockfTry, path)).Trim());
    }

    [Fact]
    public async Task FlockApi_UtilLinuxFlockHolder_ExcludesBatonAndBatonExcludesIt()
    {
        var directory = TestDirectories.NewPath("flock");
        await using var coordinator = await Coordinator.ConnectAsync($"file://{directory}?api=flock");
        var path = Path.Combine(directory, "shared-with-scripts.lock");

        using (var flock = ProcessRunner.Start("flock", path, "-c", "echo held; read line"))
        {
            Assert.Equal("held", await ProcessRunner.ReadLineAsync(flock, Patience));
            Assert.Null(await coordinator.CreateLock("shared-with-scripts").TryAcquireAsync());
            var waiting = coordinator.CreateLock("shared-with-scripts").AcquireAsync(Patience).AsTask();

            await flock.StandardInput.WriteLineAsync("done");
            await flock.StandardInput.FlushAsync();
            await using var handle = await waiting.WaitAsync(Patience);
            Assert.Equal("busy", (await ProcessRunner.RunAsync(Patience, "flock", "-n", "-E", "0", path, "-c", "echo acquired") + "busy").Replace("acquired", string.Empty, StringComparison.Ordinal).Trim());
        }

        Assert.Equal("acquired", (await ProcessRunner.RunAsync(Patience, "flock", "-n", path, "-c", "echo acquired")).Trim());
        Assert.True(System.IO.File.Exists(path), "api=flock must keep the lock file: flock(1) does not re-check the inode.");
    }

    [Fact]
    public async Task FlockApi_Upgrade_RefusedBecauseFlockWouldDropTheReadLock()
    {
        await using var coordinator = await Coordinator.ConnectAsync($"file://{TestDirectories.NewPath("flock-upgrade")}?api=flock");
        await using var reader = await coordinator.CreateReaderWriterLock("rw").AcquireReadAsync(Patience);

        var e = await Assert.ThrowsAsync<NotSupportedException>(() => reader.TryUpgradeAsync().AsTask());

        Assert.Contains("flock", e.Message, StringComparison.Ordinal);
        Assert.Equal(LockMode.Shared, reader.Mode);
    }

    [Fact]
    public async Task TableMode_ManyNames_OneFileAndCollisionsOnlyCostContention()
    {
        var directory = TestDirectories.NewPath("table");
        var url = $"file://{directory}?mode=table";
        await using var first = await Coordinator.ConnectAsync(url);
        await using var second = await Coordinator.ConnectAsync(url);

        var handles = new List<LockHandle>();
        for (var i = 0; i < 50; i++)
        {
            handles.Add(await first.CreateLock($"name-{i}").AcquireAsync(Patience));
        }

        Assert.Equal([".fencing", ".table"], Directory.GetFileSystemEntries(directory).Where(e => !e.EndsWith(".rec", StringComparison.Ordinal)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Null(await second.CreateLock("name-7").TryAcquireAsync());
        Assert.Equal(50, (await second.ListLocksAsync()).Count);
        foreach (var handle in handles)
        {
            await handle.DisposeAsync();
        }

        var (a, b) = FindCollision();
        await using (var held = await first.CreateLock(a).AcquireAsync(Patience))
        {
            Assert.Null(await second.CreateLock(b).TryAcquireAsync());
        }

        await using var other = await second.CreateLock(b).TryAcquireAsync();
        Assert.NotNull(other);
    }

    private static (string, string) FindCollision()
    {
        var seen = new Dictionary<int, string>();
        for (var i = 0; ; i++)
        {
            var name = $"collide-{i}";
            var entry = FileNames.TableEntry(LockKind.Lock, name, 1 << 16);
            if (seen.TryGetValue(entry, out var earlier))
            {
                return (earlier, name);
            }

            seen[entry] = name;
        }
    }
}
