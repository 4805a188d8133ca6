using Xunit;

namespace Baton.Tests.Files;

/// <summary>The lock directory: created 0700, deterministic by default, refused when it is a link or belongs to someone else.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FileDirectoryTests
{
    [Fact]
    public async Task Connect_MissingDirectory_CreatesItMode0700()
    {
        var directory = TestDirectories.NewPath("created");

        await using var coordinator = await Coordinator.ConnectAsync("file://" + directory);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, System.IO.File.GetUnixFileMode(directory));
    }

    [Fact]
    public void DefaultBackendUrl_WithoutEnvironment_IsTheSameFixedPerUserDirectory()
    {
        if (Environment.GetEnvironmentVariable(Coordinator.BackendEnvironmentVariable) is { Length: > 0 })
        {
            return; // Overridden on purpose by whoever runs the tests.
        }

        var expected = "file://" + Path.Combine(Directory.Exists("/run/lock") ? "/run/lock" : Path.GetTempPath(), $"baton-{Environment.UserName}");
        Assert.Equal(expected, Coordinator.DefaultBackendUrl);
        Assert.Equal(Coordinator.DefaultBackendUrl, Coordinator.DefaultBackendUrl);
    }

    [Fact]
    public async Task Connect_DirectoryOwnedByAnotherUser_RefusedSayingSo()
    {
        if (Environment.UserName != "root")
        {
            return; // Only root can give a directory away; the check itself runs for every user.
        }

        var directory = TestDirectories.NewPath("foreign");
        Directory.CreateDirectory(directory);
        Assert.Equal(0, await ChownAsync(directory));

        var e = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync("file://" + directory).AsTask());

        Assert.Contains("owned by uid 65534", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_DirectoryIsASymlink_RefusedSayingSo()
    {
        var real = TestDirectories.NewPath("real");
        Directory.CreateDirectory(real);
        var link = TestDirectories.NewPath("link");
        Directory.CreateSymbolicLink(link, real);

        var e = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync("file://" + link).AsTask());

        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(real));
    }

    [Fact]
    public async Task Connect_WorldWritableDirectory_Refused()
    {
        var directory = TestDirectories.NewPath("open");
        Directory.CreateDirectory(directory);
        System.IO.File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("777", 8));

        var e = await Assert.ThrowsAsync<BackendUnavailableException>(() => Coordinator.ConnectAsync("file://" + directory).AsTask());

        Assert.Contains("writable by every user", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file://host/x", "file:///")]
    [InlineData("file:///tmp/x?api=fcntl", "api=")]
    [InlineData("file:///tmp/x?mode=tables", "mode=")]
    [InlineData("file:///tmp/x?prefix=nova", "layout=oslo")]
    [InlineData("file:///tmp/x?api=flock&mode=table", "api=flock")]
    [InlineData("file:///tmp/x?ttl=5s", "ttl")]
    [InlineData("file:///", "root")]
    public async Task Connect_BadUrl_ThrowsArgumentExceptionSayingWhy(string url, string keyword)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.Contains(keyword, e.Message, StringComparison.Ordinal);
    }

    private static async Task<int> ChownAsync(string directory)
    {
        using var chown = ProcessRunner.Start("chown", "65534:65534", directory);
        await chown.WaitForExitAsync();
        return chown.ExitCode;
    }
}
