using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// Locks are never inherited by child processes: every descriptor the backend opens is close-on-exec,
/// so a command started while a lock is held (or awaited) cannot keep it alive after the holder lets go.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class FileInheritanceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("")]
    [InlineData("?layout=oslo&prefix=app-")]
    [InlineData("?api=flock")]
    [InlineData("?mode=table")]
    public async Task ChildStartedWhileHolding_InheritsNoDescriptorOfTheLockDirectory(string query)
    {
        var directory = TestDirectories.NewPath("inherit");
        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory + query);
        await using var held = await coordinator.CreateLock("job").AcquireAsync(Patience);
        var reader = await coordinator.CreateReaderWriterLock("shared").AcquireReadAsync(Patience);
        await using var slot = await coordinator.CreateSemaphore("pool", 2).AcquireAsync(Patience);

        using var child = ProcessRunner.Start("/bin/sh", "-c", "echo started; read line");
        try
        {
            Assert.Equal("started", await ProcessRunner.ReadLineAsync(child, Patience));

            var inherited = OpenFilesOf(child.Id).Where(target => target.StartsWith(directory, StringComparison.Ordinal)).ToList();
            Assert.True(inherited.Count == 0, $"The child inherited: {string.Join(", ", inherited)}");
        }
        finally
        {
            child.StandardInput.Close();
            await child.WaitForExitAsync().WaitAsync(Patience);
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task ChildStillRunning_AfterTheHolderReleases_DoesNotKeepTheLock()
    {
        // Files of the oslo layout are kept, so an inherited descriptor would keep the lock held.
        var url = "file://" + TestDirectories.NewPath("inherit-kept") + "?layout=oslo&prefix=app-";
        await using var holder = await Coordinator.ConnectAsync(url);
        await using var other = await Coordinator.ConnectAsync(url);
        var held = await holder.CreateLock("job").AcquireAsync(Patience);

        using var child = ProcessRunner.Start("/bin/sh", "-c", "echo started; read line");
        try
        {
            Assert.Equal("started", await ProcessRunner.ReadLineAsync(child, Patience));
            await held.DisposeAsync();

            await using var next = await other.CreateLock("job").TryAcquireAsync();
            Assert.NotNull(next);
        }
        finally
        {
            child.StandardInput.Close();
            await child.WaitForExitAsync().WaitAsync(Patience);
        }
    }

    private static List<string> OpenFilesOf(int pid)
    {
        var targets = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            if (new FileInfo(entry).LinkTarget is { } target)
            {
                targets.Add(target);
            }
        }

        return targets;
    }
}
