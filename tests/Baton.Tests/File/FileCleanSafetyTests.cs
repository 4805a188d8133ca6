using Baton.Files;
using Baton.Files.Guard;
using Baton.Files.Native;
using Baton.Files.Presence;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// <see cref="Coordinator.CleanAsync"/> on the file backend, in one process: dry runs, ages, and the entries it must
/// leave alone (links, directories, other files, a file whose only user is a waiter). Leftovers are made by disposing
/// a coordinator while it holds, which leaves the lock file (and record) exactly as a crash would.
/// </summary>
public sealed class FileCleanSafetyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DryRun_ReportsTheLeftover_RemovesNothing_AndTheNextHolderStillGetsItsNotice()
    {
        var directory = await LeftoversAsync("dry-run", "", "job");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);

        var reported = Assert.Single(await coordinator.CleanAsync(dryRun: true));

        Assert.Equal((Path.Combine(directory, "job.lock"), "job", false, null), (reported.Path, reported.Name, reported.Removed, reported.SkipReason));
        Assert.True(reported.SizeBytes > 0, "The abandoned holder's record is inside the file.");
        Assert.Equal([FencingCounter.FileName, NameGuard.FileName, "job.lock"], FileCleanTests.Entries(directory));

        // The dry run took the file's locks and dropped them: the name is free, and its record is untouched.
        await using var next = await coordinator.CreateLock("job").TryAcquireAsync();
        Assert.Equal(TakeoverReason.Abandoned, Assert.IsType<TakeoverNotice>(Assert.IsType<LockHandle>(next).Takeover).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?layout=oslo&prefix=svc")]
    public async Task OlderThan_SkipsFilesModifiedMoreRecently_AgesComeFromTheBackendsClock(string query)
    {
        var directory = await LeftoversAsync("older-than", query, "old", "new");
        var old = Directory.GetFiles(directory).Where(static f => Path.GetFileName(f).Contains("old", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(old);
        foreach (var file in old)
        {
            System.IO.File.SetLastWriteTimeUtc(file, DateTime.UtcNow - TimeSpan.FromHours(2));
        }

        await using (var coordinator = await Coordinator.ConnectAsync("file://" + directory + query))
        {
            var cleaned = await coordinator.CleanAsync(TimeSpan.FromHours(1));
            Assert.Equal(old.Order(StringComparer.Ordinal), cleaned.Select(static f => f.Path));
            Assert.All(cleaned, static f => Assert.True(f.Removed && f.Age >= TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1)));
        }

        // Three hours on, by the backend's clock, the rest is old enough too.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromHours(3));
        await using (var later = await Coordinator.ConnectAsync("file://" + directory + query, new CoordinatorOptions { TimeProvider = clock }))
        {
            Assert.All(await later.CleanAsync(TimeSpan.FromHours(1)), static f => Assert.True(f.Removed && f.Age > TimeSpan.FromHours(2)));
        }

        Assert.Equal([FencingCounter.FileName, NameGuard.FileName], FileCleanTests.Entries(directory));
    }

    [Fact]
    public async Task PlantedLinksDirectoriesAndOtherFiles_NeverFollowedOrRemoved_ReportedAsSkipped()
    {
        var directory = await LeftoversAsync("planted", "?layout=oslo&prefix=svc", "real");
        var outside = Path.Combine(Path.GetDirectoryName(directory)!, $"outside-{Guid.NewGuid():N}.lock");
        await System.IO.File.WriteAllTextAsync(outside, "not Baton's");
        System.IO.File.CreateSymbolicLink(Path.Combine(directory, "evil.lock"), outside);
        System.IO.File.CreateSymbolicLink(Path.Combine(directory, "svc-dangling"), Path.Combine(directory, "nowhere"));
        Directory.CreateDirectory(Path.Combine(directory, "sub.lock"));
        await System.IO.File.WriteAllTextAsync(Path.Combine(directory, "notes.txt"), "mine");
        await System.IO.File.WriteAllTextAsync(Path.Combine(directory, "svc-config"), "not empty, so not an oslo lock file");
        await using var coordinator = await Coordinator.ConnectAsync($"file://{directory}?layout=oslo&prefix=svc");

        var cleaned = await coordinator.CleanAsync();

        string? Reason(string name) => Assert.Single(cleaned, f => f.Path == Path.Combine(directory, name)).SkipReason;
        Assert.Contains("symbolic link", Reason("evil.lock"), StringComparison.Ordinal);
        Assert.Contains("symbolic link", Reason("svc-dangling"), StringComparison.Ordinal);
        Assert.Contains("not a regular file", Reason("sub.lock"), StringComparison.Ordinal);
        Assert.Contains("not a lock file", Reason("notes.txt"), StringComparison.Ordinal);
        Assert.Contains("not empty", Reason("svc-config"), StringComparison.Ordinal);
        Assert.All(cleaned.Where(static f => f.Skipped), static f => Assert.False(f.Removed));
        Assert.Equal(["svc-real"], cleaned.Where(static f => f.Removed && f.Name is null).Select(static f => Path.GetFileName(f.Path)));
        Assert.DoesNotContain(cleaned, static f => Path.GetFileName(f.Path) == FencingCounter.FileName);
        Assert.Equal("not Baton's", await System.IO.File.ReadAllTextAsync(outside));
        Assert.Equal(
            [FencingCounter.FileName, NameGuard.FileName, "evil.lock", "notes.txt", "sub.lock", "svc-config", "svc-dangling"],
            FileCleanTests.Entries(directory));
    }

    [Fact]
    public async Task AnotherUsersFile_Skipped()
    {
        if (Libc.GetEffectiveUserId() != 0)
        {
            return; // Only root can give a file away; elsewhere this case cannot be set up.
        }

        var directory = await LeftoversAsync("other-user", "", "theirs");
        await ProcessRunner.RunAsync(Patience, "chown", "4242", Path.Combine(directory, "theirs.lock"));
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);

        var skipped = Assert.Single(await coordinator.CleanAsync());

        Assert.Contains("owned by uid 4242", skipped.SkipReason, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(Path.Combine(directory, "theirs.lock")));
    }

    [Fact]
    public async Task OnlyAWaiterUsesTheFile_Kept()
    {
        // A waiter between its steps holds only the waiting byte (3): that alone must keep the file.
        var directory = await LeftoversAsync("waiter-only", "", "queued");
        var options = new FileBackendOptions(directory, FileLockApi.Ofd, FileLayout.Baton, string.Empty);
        using var lockDirectory = FileLockDirectory.Open(directory);
        var target = FileLockTarget.Create(options, LockKind.Lock, "queued");
        using (var fd = LockFile.Open(lockDirectory, target))
        {
            Assert.True(FileLocks.TryLock(fd, target.Waiting, 1, Libc.F_RDLCK));
            await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);
            Assert.Empty(await coordinator.CleanAsync());
        }

        await using var after = await Coordinator.ConnectAsync("file://" + directory);
        Assert.True(Assert.Single(await after.CleanAsync()).Removed);
    }

    [Theory]
    [InlineData("?layout=oslo&prefix=svc", "svc-queued")]
    [InlineData("?mode=table", ".table")]
    public async Task KeptLayout_LiveWaitingRecordNamesTheFile_Kept(string query, string lockFile)
    {
        // Where files are kept, a waiter queued behind the gate holds no lock on the file: its record says it waits.
        var url = "file://" + TestDirectories.NewPath("waiting-record") + query;
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var options = FileBackendOptions.Parse(Baton.Backends.BackendUrl.Parse(url));
        await System.IO.File.WriteAllBytesAsync(Path.Combine(options.Directory, lockFile), []);
        using var lockDirectory = FileLockDirectory.Open(options.Directory);
        var target = FileLockTarget.Create(options, LockKind.Lock, "queued");
        var member = new MemberIdentity("host", Environment.ProcessId, "test", null);
        var record = PresenceRecord.Create(lockDirectory, target, new RecordData("queued", LockKind.Lock, RecordState.Waiting, LockMode.Exclusive, 1, 0, 1, DateTime.UtcNow.Ticks, 0, member));

        Assert.Empty(await coordinator.CleanAsync());
        record.Remove();

        Assert.Equal(Path.Combine(options.Directory, lockFile), Assert.Single(await coordinator.CleanAsync()).Path);
    }

    [Fact]
    public async Task HashedName_NameReadFromTheRecordInside()
    {
        var name = new string('n', 200) + "/tail";
        var directory = await LeftoversAsync("hashed", "", name);

        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);
        var cleaned = Assert.Single(await coordinator.CleanAsync());

        Assert.Contains('~', Path.GetFileName(cleaned.Path));
        Assert.Equal(name, cleaned.Name);
    }

    [Fact]
    public async Task RecordTemporary_KeptWhileYoung_RemovedOnceOld()
    {
        var directory = TestDirectories.NewPath("temporary");
        await using var coordinator = await Coordinator.ConnectAsync($"file://{directory}?api=flock");
        var temporary = Path.Combine(directory, "job.l.123-abc.tmp");
        await System.IO.File.WriteAllTextAsync(temporary, string.Empty);

        Assert.Empty(await coordinator.CleanAsync());

        System.IO.File.SetLastWriteTimeUtc(temporary, DateTime.UtcNow - TimeSpan.FromMinutes(5));
        var cleaned = Assert.Single(await coordinator.CleanAsync());
        Assert.Equal((temporary, "job", true), (cleaned.Path, cleaned.Name, cleaned.Removed));
    }

    /// <summary>A lock directory with the leftovers of a coordinator disposed while it held each name (as a crash leaves them).</summary>
    private static async Task<string> LeftoversAsync(string purpose, string query, params string[] names)
    {
        var directory = TestDirectories.NewPath(purpose);
        var coordinator = await Coordinator.ConnectAsync("file://" + directory + query);
        foreach (var name in names)
        {
            _ = await coordinator.CreateLock(name).AcquireAsync(Patience);
        }

        await coordinator.DisposeAsync();
        return directory;
    }
}
