using System.Diagnostics;
using Baton.Hostile.Tests.Support;
using Xunit;

namespace Baton.Hostile.Tests.Files;

/// <summary>
/// Lock directories that must be refused with a clear error and left as they are (DESIGN.md, the file backend), beyond
/// FileDirectoryTests' plain cases: world-writable with the sticky bit, a link to another user's directory, a dangling
/// link, a regular file, a FIFO, and a directory another user owns even when it looks private.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LockDirectoryTests
{
    private const int Nobody = 65534;

    [Fact]
    public async Task WorldWritableWithStickyBit_LikeTmp_Refused()
    {
        var directory = TestDirectories.NewPath("sticky");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("1777", 8));

        var e = await RefusedAsync(directory);

        Assert.Contains("writable by every user", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    public async Task LinkToAnotherUsersDirectory_RefusedAsALink_NothingWrittenThere()
    {
        var target = TestDirectories.NewPath("theirs");
        Directory.CreateDirectory(target);
        if (Environment.UserName == "root")
        {
            await ChownAsync(target);
        }
        var link = TestDirectories.NewPath("link");
        Directory.CreateSymbolicLink(link, target);

        var e = await RefusedAsync(link);

        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(target));
    }

    [Fact]
    public async Task DanglingLink_RefusedAsALink_NothingCreatedAtItsTarget()
    {
        var target = TestDirectories.NewPath("nowhere");
        var link = TestDirectories.NewPath("dangling");
        Directory.CreateSymbolicLink(link, target);

        var e = await RefusedAsync(link);

        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(target), "Connecting created the link's target.");
    }

    [Fact]
    public async Task RegularFile_RefusedAndKept()
    {
        var path = TestDirectories.NewPath("file");
        await File.WriteAllTextAsync(path, "not a directory");

        var e = await RefusedAsync(path);

        Assert.Contains("not a directory", e.Message, StringComparison.Ordinal);
        Assert.Equal("not a directory", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Fifo_RefusedWithoutHanging()
    {
        var path = TestDirectories.NewPath("fifo");
        using (var mkfifo = Process.Start("mkfifo", path))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var e = await RefusedAsync(path);

        Assert.Contains("not a directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnedByNobodyWithMode0700_Refused_EvenForRoot()
    {
        if (Environment.UserName != "root")
        {
            return; // Only root can give a directory away (and only root could use it anyway).
        }

        var directory = TestDirectories.NewPath("nobody");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await ChownAsync(directory);

        var e = await RefusedAsync(directory);

        Assert.Contains($"owned by uid {Nobody}", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    /// <summary>Connecting fails with BackendUnavailableException (or ArgumentException for a bad path) within a bound.</summary>
    private static async Task<Exception> RefusedAsync(string directory)
    {
        var connecting = Coordinator.ConnectAsync("file://" + directory).AsTask();
        var e = await Assert.ThrowsAsync<BackendUnavailableException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
        return e;
    }

    private static async Task ChownAsync(string path)
    {
        using var chown = Process.Start("chown", $"{Nobody}:{Nobody} {path}");
        await chown.WaitForExitAsync();
        Assert.Equal(0, chown.ExitCode);
    }
}
