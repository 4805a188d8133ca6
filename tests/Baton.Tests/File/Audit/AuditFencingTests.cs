using Baton.Conformance.CrossProcess;
using Baton.Files;
using Xunit;

namespace Baton.Tests.Files.Audit;

/// <summary>
/// Audit of the fencing counter (<c>.fencing</c>, mapped MAP_SHARED). A process keeps the page of the inode it
/// mapped at connect time for its whole life (<see cref="FencingCounter.For"/> caches it by inode). When the file
/// is removed or replaced while a process runs (an <c>rm</c>, systemd-tmpfiles' age cleaning of
/// <c>/tmp/baton-USER</c> where <c>/run/lock</c> is missing — mmap writes do not touch mtime on tmpfs —, a backup
/// restore), processes that connect later map a new counter seeded from the clock, and the two sets of processes
/// draw tokens from two counters: a later holder gets a smaller token. Truncation kills every mapper with SIGBUS.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class AuditFencingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task FencingFileReplaced_WhileAProcessRuns_LaterHolderGetsASmallerToken()
    {
        var directory = TestDirectories.NewPath("audit-fencing-replaced");
        var url = "file://" + directory;
        await using var child = await HolderProcess.StartAsync(url); // Maps the counter now.

        System.IO.File.Delete(Path.Combine(directory, FencingCounter.FileName));

        // A process that connects afterwards (here: this one) creates and maps a new counter.
        await using var coordinator = await Coordinator.ConnectAsync(url);
        long earlier;
        await using (var first = await coordinator.CreateLock("resource").AcquireAsync(Patience))
        {
            earlier = first.FencingToken;
        }

        var later = await child.AcquireAsync("resource", HolderMode.Lock, Patience);
        await child.ReleaseAsync(later.Tag);

        Assert.True(
            later.FencingToken > earlier,
            $"The later holder got fencing token {later.FencingToken}, not above the earlier holder's {earlier}: two processes draw from two .fencing inodes.");
    }

    [Fact]
    public async Task FencingFileTruncated_HolderProcessSurvives()
    {
        var directory = TestDirectories.NewPath("audit-fencing-truncated");
        var url = "file://" + directory;
        await using var child = await HolderProcess.StartAsync(url);

        // Any process that can write the file (this user; a group member where the directory is group-writable,
        // which FileLockDirectory accepts) truncates it.
        using (var counter = new FileStream(Path.Combine(directory, FencingCounter.FileName), FileMode.Open, FileAccess.Write))
        {
            counter.SetLength(0);
        }

        try
        {
            var grant = await child.AcquireAsync("resource", HolderMode.Lock, Patience);
            await child.ReleaseAsync(grant.Tag);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Checked below: an acquisition error would be acceptable, the death of the process is not.
        }

        Assert.False(child.HasExited, $"The holder process died (exit code {child.ExitCode}: the runtime aborts on the SIGBUS) when it drew a token from the truncated, mapped .fencing.");
    }
}
