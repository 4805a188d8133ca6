using Baton.Conformance.CrossProcess;
using Baton.Files;
using Baton.Files.Guard;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// The race that makes lock files pile up elsewhere: a holder deletes the file on release while another
/// process has it open and is about to lock it. With Baton's protocol (delete only when the whole file can
/// be locked, re-check device + inode + link count after locking) nobody ever overlaps; the naive protocol
/// (delete on release, no re-check), run by real processes in the control arm, does overlap — which shows
/// that the detector sees overlaps when they happen.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileDeletionRaceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AcquireRelease_ThreeProcessesDeletingOnRelease_NeverOverlapAndTokensIncrease()
    {
        var directory = TestDirectories.NewPath("race");
        var url = "file://" + directory;
        var children = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => HolderProcess.StartAsync(url)));
        var marker = Path.Combine(directory, "inside.marker");
        var overlaps = 0;
        var grants = new List<long>();
        try
        {
            const string Name = "contended";
            await Task.WhenAll(children.Select(child => Task.Run(async () =>
            {
                for (var round = 0; round < 150; round++)
                {
                    var grant = await child.AcquireAsync(Name, HolderMode.Lock, Patience);

                    // From ACQUIRED until the release is sent the child certainly holds the lock: a second
                    // creator of the marker in that window is a second holder.
                    try
                    {
                        using (new FileStream(marker, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
                        {
                        }

                        lock (grants)
                        {
                            grants.Add(grant.FencingToken);
                        }

                        await Task.Yield();
                        System.IO.File.Delete(marker);
                    }
                    catch (IOException)
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    await grant.ReleaseAsync();
                }
            })));
        }
        finally
        {
            foreach (var child in children)
            {
                await child.DisposeAsync();
            }
        }

        Assert.Equal(0, overlaps);
        Assert.Equal(450, grants.Count);
        Assert.Equal(grants.Order(), grants);
        Assert.Equal(grants.Count, grants.Distinct().Count());
        Assert.Equal([FencingCounter.FileName, NameGuard.FileName], Directory.GetFileSystemEntries(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task NaiveDeleteOnRelease_ControlArm_RealProcessesOverlap()
    {
        // The protocol Baton must not have: lock, work, unlink, close, with no re-check of the inode.
        const string Naive = """
            import os, sys, fcntl
            d, n = sys.argv[1], int(sys.argv[2])
            path, marker, overlaps = os.path.join(d, "naive.lock"), os.path.join(d, "inside.marker"), 0
            for _ in range(n):
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.lockf(fd, fcntl.LOCK_EX)
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                    os.sched_yield()
                    os.unlink(marker)
                except FileExistsError:
                    overlaps += 1
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                os.close(fd)
            print(overlaps)
            """;
        var overlaps = 0;
        for (var attempt = 0; attempt < 5 && overlaps == 0; attempt++)
        {
            var directory = TestDirectories.NewPath("naive");
            Directory.CreateDirectory(directory);
            var runs = Enumerable.Range(0, 4).Select(_ => ProcessRunner.RunAsync(Patience, ProcessRunner.Python, "-c", Naive, directory, "3000"));
            overlaps += (await Task.WhenAll(runs)).Sum(output => int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.True(overlaps > 0, "The naive protocol never overlapped: the detector would not see an overlap either.");
    }
}
