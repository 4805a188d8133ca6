using Baton.Files;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// A lock file deleted during its hold by someone else (an age-based cleaner, rm): the kernel's lock stays on the
/// deleted file, and the next acquirer creates the name afresh. The hold's byte of the guard file, which nobody
/// deletes, keeps that newcomer out until the hold ends; the first holder's release must not delete the newcomer's
/// file, and it tells the first holder that its file was taken from under it.
/// </summary>
public sealed class FileOutsideDeletionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Acquire_AfterSomeoneDeletedTheHeldFile_WaitsForTheHolder_AndItsReleaseLeavesTheNewcomersFile()
    {
        var directory = TestDirectories.NewPath("outside-delete");
        await using var first = await Coordinator.ConnectAsync("file://" + directory);
        await using var second = await Coordinator.ConnectAsync("file://" + directory);
        await using var third = await Coordinator.ConnectAsync("file://" + directory);
        const string Name = "report";
        var path = Path.Combine(directory, FileNames.Escape(Name) + ".lock");

        var held = await first.CreateLock(Name).AcquireAsync(Patience);
        File.Delete(path);
        Assert.Null(await second.CreateLock(Name).TryAcquireAsync());
        var waiting = second.CreateLock(Name).AcquireAsync(Patience).AsTask();
        Assert.Null(await third.CreateLock(Name).TryAcquireAsync());
        Assert.False(waiting.IsCompleted, "the newcomer got a name whose deleted file is still held");

        await held.DisposeAsync();
        await using var newcomer = await waiting;

        Assert.Equal(LossReason.Broken, held.LossReason);
        Assert.True(newcomer.FencingToken > held.FencingToken);
        Assert.True(File.Exists(path), "the first holder's release deleted the newcomer's lock file");
        Assert.Null(await third.CreateLock(Name).TryAcquireAsync());
        Assert.False(newcomer.IsLost);
    }

    [Fact]
    public async Task Wait_WithdrawnWhileTheDeletedFilesHolderHoldsOn_LeavesNothingBehind()
    {
        var directory = TestDirectories.NewPath("outside-delete");
        await using var first = await Coordinator.ConnectAsync("file://" + directory);
        await using var second = await Coordinator.ConnectAsync("file://" + directory);
        var path = Path.Combine(directory, FileNames.Escape("withdrawn") + ".lock");
        var held = await first.CreateLock("withdrawn").AcquireAsync(Patience);
        File.Delete(path);

        using var cancel = new CancellationTokenSource();
        var waiting = second.CreateLock("withdrawn").AcquireAsync(Patience, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        Assert.False(File.Exists(path), "the withdrawn waiter left its lock file");
        Assert.False(held.IsLost);
        await held.DisposeAsync();
        await using var again = await second.CreateLock("withdrawn").AcquireAsync(Patience);
    }

    [Fact]
    public async Task ReaderOfADeletedFile_SharesWithNewReaders_KeepsWritersOut_AndHoldsBackAnUpgrade()
    {
        var directory = TestDirectories.NewPath("outside-delete");
        await using var first = await Coordinator.ConnectAsync("file://" + directory);
        await using var second = await Coordinator.ConnectAsync("file://" + directory);
        var reader = await first.CreateReaderWriterLock("shared").AcquireReadAsync(Patience);
        foreach (var file in Directory.EnumerateFiles(directory).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            File.Delete(file);
        }

        Assert.Null(await second.CreateReaderWriterLock("shared").TryAcquireWriteAsync());
        var newReader = await second.CreateReaderWriterLock("shared").TryAcquireReadAsync();
        Assert.NotNull(newReader);
        Assert.False(await newReader.TryUpgradeAsync(), "an upgrade passed a reader of the deleted file");

        await reader.DisposeAsync();
        Assert.True(await newReader.TryUpgradeAsync(Patience));
        await newReader.DisposeAsync();
    }

    [Fact]
    public async Task SemaphoreSlotOfADeletedFile_StaysTaken()
    {
        var directory = TestDirectories.NewPath("outside-delete");
        await using var first = await Coordinator.ConnectAsync("file://" + directory);
        await using var second = await Coordinator.ConnectAsync("file://" + directory);
        var slot = await first.CreateSemaphore("one", 1).AcquireAsync(Patience);
        File.Delete(Path.Combine(directory, FileNames.Escape("one") + ".sem"));

        Assert.Null(await second.CreateSemaphore("one", 1).TryAcquireAsync());

        await slot.DisposeAsync();
        await using var next = await second.CreateSemaphore("one", 1).AcquireAsync(Patience);
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
