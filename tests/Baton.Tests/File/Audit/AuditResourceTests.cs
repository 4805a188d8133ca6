using Xunit;

namespace Baton.Tests.Files.Audit;

/// <summary>
/// Audit of descriptors: <c>FileBackend.DisposeAsync</c> never disposed its <c>FileLockDirectory</c>, so every
/// connect/dispose cycle left the lock directory's descriptor open until a finalizer happened to run.
/// </summary>
public sealed class AuditResourceTests
{
    [Fact]
    public async Task ConnectAndDispose_LeavesNoDescriptorOfTheLockDirectoryOpen()
    {
        var directory = TestDirectories.NewPath("audit-fd-leak");
        var url = "file://" + directory;

        // The first cycle may leave what lives as long as the process, once per directory (the fencing counter
        // keeps a descriptor of its own); only what grows with the number of coordinators is a leak.
        await CycleAsync(url);
        var before = DescriptorsOf(directory);
        for (var i = 0; i < 50; i++)
        {
            await CycleAsync(url);
        }

        var after = DescriptorsOf(directory);
        Assert.True(after <= before, $"{after - before} more descriptors of the lock directory are open after 50 more coordinators were disposed ({before} before, {after} after).");
        Assert.True(after <= 1, $"{after} descriptors of the lock directory are open with no coordinator connected.");
    }

    private static async Task CycleAsync(string url)
    {
        await using var coordinator = await Coordinator.ConnectAsync(url);
        await using var handle = await coordinator.CreateLock("x").AcquireAsync(TimeSpan.FromSeconds(10));
    }

    private static int DescriptorsOf(string directory) =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Select(static fd =>
            {
                try
                {
                    return new FileInfo(fd).LinkTarget;
                }
                catch (IOException)
                {
                    return null; // Closed meanwhile.
                }
            })
            .Count(target => target == directory);
}
