using Baton.Files;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// A lock file deleted during its hold by someone else (an age-based cleaner, rm): the kernel's lock stays on the
/// deleted file, so the next acquirer creates the name afresh and holds it too. Baton cannot stop that, but it must
/// not make it worse: the first holder's release must not delete the newcomer's file (a third process would then
/// hold the name as well, and so on), and it must tell the first holder that its hold was broken.
/// </summary>
public sealed class FileOutsideDeletionTests
{
    [Fact]
    public async Task Release_AfterSomeoneDeletedTheFile_LeavesTheNewHoldersFileAndReportsTheHoldBroken()
    {
        var directory = TestDirectories.NewPath("outside-delete");
        await using var first = await Coordinator.ConnectAsync("file://" + directory);
        await using var second = await Coordinator.ConnectAsync("file://" + directory);
        await using var third = await Coordinator.ConnectAsync("file://" + directory);
        const string Name = "report";
        var path = Path.Combine(directory, FileNames.Escape(Name) + ".lock");

        var held = await first.CreateLock(Name).AcquireAsync(TimeSpan.FromSeconds(5));
        File.Delete(path);
        await using var newcomer = await second.CreateLock(Name).AcquireAsync(TimeSpan.FromSeconds(5));

        await held.DisposeAsync();

        Assert.True(held.IsLost);
        Assert.Equal(LossReason.Broken, held.LossReason);
        Assert.True(File.Exists(path), "the first holder's release deleted the newcomer's lock file");
        Assert.Null(await third.CreateLock(Name).TryAcquireAsync());
        Assert.False(newcomer.IsLost);
    }

    [Fact]
    public async Task Release_OfAFileNobodyTouched_IsNotReportedLost()
    {
        var directory = TestDirectories.NewPath("outside-delete");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);
        var held = await coordinator.CreateLock("untouched").AcquireAsync(TimeSpan.FromSeconds(5));

        await held.DisposeAsync();

        Assert.False(held.IsLost);
        Assert.Empty(Directory.EnumerateFiles(directory, "*.lock"));
    }
}
