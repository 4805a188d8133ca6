using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton clean` and `baton break`: what clean removes and never removes on file://, their refusals and their exit codes.</summary>
public sealed class CleanAndBreakTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Theory]
    [InlineData]
    [InlineData("--dry-run")]
    [InlineData("--older-than", "1h")]
    public async Task Clean_BackendWithoutLeftovers_RefusesWith64AndTheBackendsReason(params string[] options)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(["clean", "--backend", "memory://", .. options]);
        Assert.Equal(64, exitCode);
        Assert.Contains("clean does not apply to memory://", error, StringComparison.Ordinal);
        Assert.Contains("keeps no leftover lock files", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_BadOlderThan_Exits64()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("clean", "--backend", "memory://", "--older-than", "yesterday");
        Assert.Equal(64, exitCode);
        Assert.Contains("not a duration", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_FileBackend_CrashedRunsLockFile_RemovedAndListed()
    {
        await using (var crashed = BatonProcess.Start("run", "nightly job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line"))
        {
            await crashed.WaitForLineAsync("held");
            crashed.Signal(9); // kill -9: the lock file and the holder's record inside it stay behind.
            await crashed.WaitForExitAsync();
        }

        var file = Path.Combine(_locks.Path, "nightly%20job.lock");
        Assert.True(File.Exists(file));

        var (exitCode, output, error) = await BatonProcess.RunAsync("clean", "--backend", _locks.Url);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"removed {file} (lock 'nightly job'), ", output, StringComparison.Ordinal);
        Assert.Contains("1 file(s) removed.", output, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Equal([".fencing", ".guard"], Directory.GetFileSystemEntries(_locks.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Clean_DryRun_SaysWouldRemoveAndRemovesNothing()
    {
        var url = _locks.Url + "?api=flock"; // Kept files: a clean run leaves its lock file for clean to find.
        Assert.Equal(0, (await BatonProcess.RunAsync("run", "job", "--backend", url, "--", "true")).ExitCode);
        var file = Path.Combine(_locks.Path, "job.lock");

        var (exitCode, output, error) = await BatonProcess.RunAsync("clean", "--dry-run", "--backend", url);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"would remove {file} (lock 'job'), 0 B, ", output, StringComparison.Ordinal);
        Assert.Contains("1 file(s) would be removed (dry run: nothing removed).", output, StringComparison.Ordinal);
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task Clean_HeldFile_NeverRemoved_AndPlantedLinkSkipped()
    {
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");
        var link = Path.Combine(_locks.Path, "planted.lock");
        File.CreateSymbolicLink(link, "/etc/hostname");

        var (exitCode, output, error) = await BatonProcess.RunAsync("clean", "--backend", _locks.Url);

        Assert.True(exitCode == 0, error);
        Assert.DoesNotContain("job.lock", output, StringComparison.Ordinal);
        Assert.Contains($"skipped {link} (lock 'planted'): a symbolic link", output, StringComparison.Ordinal);
        Assert.Contains("Nothing to clean on ", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_locks.Path, "job.lock")));
        Assert.Equal(75, (await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", _locks.Url, "--", "true")).ExitCode);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
    }

    [Fact]
    public async Task Break_NoTerminalAndNoYes_RefusesWith64AndSaysWhy()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("break", "job", "--backend", _locks.Url);
        Assert.Equal(64, exitCode);
        Assert.Contains("--yes", error, StringComparison.Ordinal);
        Assert.Contains("not on a terminal", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Break_FileBackendWithLiveHolder_RefusesWith77AndTheHolderKeepsIt()
    {
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        var (exitCode, _, error) = await BatonProcess.RunAsync("break", "job", "--yes", "--backend", _locks.Url);

        Assert.Equal(77, exitCode);
        Assert.Contains("cannot break 'job'", error, StringComparison.Ordinal);
        var (tryExit, _, _) = await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        Assert.Equal(75, tryExit);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
    }

    [Fact]
    public async Task Break_NobodyHolds_Exits0()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync("break", "job", "--yes", "--backend", _locks.Url);
        Assert.Equal(0, exitCode);
        Assert.Contains("nothing to break", output, StringComparison.Ordinal);
    }
}
