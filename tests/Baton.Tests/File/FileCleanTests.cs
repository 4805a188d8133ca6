using Baton.Conformance.CrossProcess;
using Baton.Files;
using Baton.Files.Guard;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// <see cref="Coordinator.CleanAsync"/> on the file backend with real processes: what a kill -9 leaves behind is
/// removed and reported, in every layout; a file held or awaited by another process, by a Python <c>lockf</c> or
/// by util-linux <c>flock(1)</c> is never removed, and is once its holder has exited.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileCleanTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private const string LockfHolder = """
        import os, sys, fcntl
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        sys.stdin.read()
        """;

    [Theory]
    [InlineData("", "jobs%2Fnightly.lock")]
    [InlineData("?layout=oslo&prefix=svc", "svc-jobs_nightly")]
    [InlineData("?api=flock", "jobs%2Fnightly.lock")]
    [InlineData("?mode=table", ".table")]
    public async Task CrashedHolderAndWaiter_LeftoversRemovedAndReported_OnlyTheCounterRemains(string query, string lockFile)
    {
        var directory = TestDirectories.NewPath("clean-crash");
        var url = "file://" + directory + query;
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var heldHere = await coordinator.CreateLock("held-here").AcquireAsync(Patience);
        await using (var child = await HolderProcess.StartAsync(url))
        {
            await child.AcquireAsync("jobs/nightly", HolderMode.Lock);
            await child.AcquireAsync("pool", HolderMode.Semaphore(2));
            _ = await child.StartAcquireAsync("held-here", HolderMode.Lock, Patience);
            await WaitForWaiterAsync(coordinator, "held-here");
            await child.KillHardAsync();
        }

        await heldHere.DisposeAsync();
        var cleaned = await coordinator.CleanAsync();

        Assert.All(cleaned, static f => Assert.True(f.Removed && f.SkipReason is null, $"{f.Path}: {f.SkipReason}"));
        var lockEntry = Assert.Single(cleaned, f => Path.GetFileName(f.Path) == lockFile);
        Assert.Equal(Path.Combine(directory, lockFile), lockEntry.Path);
        Assert.Equal(query.Length == 0 || query.Contains("flock", StringComparison.Ordinal) ? "jobs/nightly" : null, lockEntry.Name);
        Assert.Subset(new HashSet<string?> { "jobs/nightly", "pool", "held-here", null }, cleaned.Select(static f => f.Name).ToHashSet());
        string[] kept = lockFile == FileLockTarget.TableFileName ? [FencingCounter.FileName] : [FencingCounter.FileName, NameGuard.FileName];
        Assert.Equal(kept, Entries(directory));

        // The crashed holder's record went with the clean: the operator has dealt with the crash.
        await using var next = await coordinator.CreateLock("jobs/nightly").AcquireAsync(Patience);
        Assert.Null(next.Takeover);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?layout=oslo&prefix=svc")]
    [InlineData("?api=flock")]
    [InlineData("?mode=table")]
    public async Task HeldAndAwaitedByAnotherProcess_NeverRemoved_AndTheHandoverStillWorks(string query)
    {
        var directory = TestDirectories.NewPath("clean-held");
        var url = "file://" + directory + query;
        await using var coordinator = await Coordinator.ConnectAsync(url);
        await using var child = await HolderProcess.StartAsync(url);
        var held = await child.AcquireAsync("busy", HolderMode.Lock);
        await child.AcquireAsync("pool", HolderMode.Semaphore(3));
        var waiting = coordinator.CreateLock("busy").AcquireAsync(Patience).AsTask();
        await WaitForWaiterAsync(coordinator, "busy");
        var before = Entries(directory);

        Assert.Empty(await coordinator.CleanAsync(dryRun: true));
        Assert.Empty(await coordinator.CleanAsync());
        Assert.Equal(before, Entries(directory));

        await held.ReleaseAsync();
        await using var handed = await waiting.WaitAsync(Patience);
        Assert.Null(handed.Takeover);
        Assert.Empty(await coordinator.CleanAsync());
    }

    [Fact]
    public async Task OsloLayout_PythonLockfHolder_KeptWhileItHolds_RemovedOnceItExited()
    {
        var directory = TestDirectories.NewPath("clean-oslo");
        await using var coordinator = await Coordinator.ConnectAsync($"file://{directory}?layout=oslo&prefix=nova");
        var path = Path.Combine(directory, "nova-instance_42");

        using (var python = ProcessRunner.Start(ProcessRunner.Python, "-c", LockfHolder, path))
        {
            Assert.Equal("held", await ProcessRunner.ReadLineAsync(python, Patience));
            Assert.Empty(await coordinator.CleanAsync(dryRun: true));
            Assert.Empty(await coordinator.CleanAsync());
            Assert.True(System.IO.File.Exists(path));

            python.StandardInput.Close();
            await python.WaitForExitAsync().WaitAsync(Patience);
        }

        var cleaned = Assert.Single(await coordinator.CleanAsync());
        Assert.Equal(new CleanedLockFile(path, null, 0, cleaned.Age, Removed: true), cleaned);
        Assert.Equal([FencingCounter.FileName], Entries(directory));
    }

    [Theory]
    [InlineData("?api=flock")]
    [InlineData("")] // The clean takes a flock(2) too, whatever the api: a flock(1) script on a Baton-named file is safe.
    public async Task UtilLinuxFlockHolder_KeptWhileItHolds_RemovedOnceItExited(string query)
    {
        var directory = TestDirectories.NewPath("clean-flock");
        await using var coordinator = await Coordinator.ConnectAsync($"file://{directory}{query}");
        var path = Path.Combine(directory, "shared-with-scripts.lock");

        using (var flock = ProcessRunner.Start("flock", path, "-c", "echo held; read line"))
        {
            Assert.Equal("held", await ProcessRunner.ReadLineAsync(flock, Patience));
            Assert.Empty(await coordinator.CleanAsync());
            Assert.True(System.IO.File.Exists(path));

            await flock.StandardInput.WriteLineAsync("done");
            await flock.StandardInput.FlushAsync();
            await flock.WaitForExitAsync().WaitAsync(Patience);
        }

        var cleaned = Assert.Single(await coordinator.CleanAsync());
        Assert.Equal((path, "shared-with-scripts", true), (cleaned.Path, cleaned.Name, cleaned.Removed));
        Assert.Equal([FencingCounter.FileName], Entries(directory));
    }

    internal static string[] Entries(string directory) =>
        [.. Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>Waits until the listing shows a waiter for the name (another process's wait: nothing signals it here).</summary>
    private static async Task WaitForWaiterAsync(Coordinator coordinator, string name)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!(await coordinator.ListLocksAsync()).Any(l => l.Name == name && l.Waiters.Count > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No waiter for '{name}' was ever listed.");
            await Task.Delay(5);
        }
    }
}
