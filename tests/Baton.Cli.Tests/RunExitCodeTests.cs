using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton run`: every exit code of docs/cli.md, and what the command sees.</summary>
public sealed class RunExitCodeTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Run_CommandExits3_Exits3()
    {
        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "exit 3");
        Assert.Equal(3, exitCode);
    }

    [Fact]
    public async Task Run_CommandSucceeds_Exits0AndLeavesNoLockFile()
    {
        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", "true");
        Assert.Equal(0, exitCode);
        Assert.Empty(Directory.GetFiles(_locks.Path, "*.lock"));
    }

    [Theory]
    [InlineData("KILL", 137)]
    [InlineData("TERM", 143)]
    public async Task Run_CommandDiesOfSignal_Exits128PlusSignal(string signal, int expected)
    {
        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", "sh", "-c", $"kill -{signal} $$");
        Assert.Equal(expected, exitCode);
    }

    [Fact]
    public async Task Run_Command_SeesLockNameAndFencingToken()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync(
            "run", "orders/42 ü", "--backend", _locks.Url, "--", "sh", "-c", "echo \"name=$BATON_LOCK_NAME\"; echo \"token=$BATON_FENCING_TOKEN\"");
        Assert.Equal(0, exitCode);
        Assert.Contains("name=orders/42 ü", output, StringComparison.Ordinal);
        var token = output.Split('\n').Single(l => l.StartsWith("token=", StringComparison.Ordinal))["token=".Length..];
        Assert.True(long.Parse(token, System.Globalization.CultureInfo.InvariantCulture) > 0, token);
    }

    [Fact]
    public async Task Run_Verbose_SaysWhenTheLockIsTakenWithItsTokenAndWhenReleased()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "run", "-v", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo \"token=$BATON_FENCING_TOKEN\"");

        Assert.Equal(0, exitCode);
        var token = output.Split('\n').Single(l => l.StartsWith("token=", StringComparison.Ordinal))["token=".Length..].Trim();
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"baton: holding 'job' (exclusive, fencing token {token})", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("baton: released 'job' after ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithoutVerbose_WritesNothingOfItsOwn()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", "true");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public async Task Run_CommandArguments_ArePassedUnchangedIncludingDashes()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync(
            "run", "job", "--backend", _locks.Url, "--", "printf", "[%s]", "--help", "a b", "--", "-x");
        Assert.Equal(0, exitCode);
        Assert.Equal("[--help][a b][--][-x]", output);
    }

    [Theory]
    [InlineData("missing --", "run", "job", "--backend", "URL")]
    [InlineData("command without --", "run", "job", "--backend", "URL", "true")]
    [InlineData("nothing after --", "run", "job", "--backend", "URL", "--")]
    [InlineData("bad duration", "run", "job", "--backend", "URL", "--timeout", "5 minutes", "--", "true")]
    [InlineData("negative duration", "run", "job", "--backend", "URL", "--timeout", "-1", "--", "true")]
    [InlineData("unknown option", "run", "job", "--backend", "URL", "--exclusive", "--", "true")]
    [InlineData("no name", "run", "--backend", "URL", "--", "true")]
    [InlineData("empty name", "run", "", "--backend", "URL", "--", "true")]
    [InlineData("unknown verb", "lock", "job")]
    public async Task Run_UsageError_Exits64(string why, params string[] args)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync([.. args.Select(a => a == "URL" ? _locks.Url : a)]);
        Assert.True(exitCode == 64, $"{why}: exit {exitCode}, stderr: {error}");
        Assert.StartsWith("baton: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus://host", "Known schemes: ")]
    [InlineData("not a url", "Known schemes: ")]
    [InlineData("file:///tmp/x?api=nonsense", "api=nonsense")]
    public async Task Run_BadBackendUrl_Exits64AndSaysWhy(string url, string expected)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--backend", url, "--", "true");
        Assert.Equal(64, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LockDirectoryCannotBeCreated_Exits69()
    {
        var blocker = _locks.File("a-regular-file");
        await File.WriteAllTextAsync(blocker, "not a directory");
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--backend", $"file://{blocker}/locks", "--", "true");
        Assert.Equal(69, exitCode);
        Assert.Contains("backend unavailable", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BackendUnavailable_NeverRunsTheCommand()
    {
        var blocker = _locks.File("a-regular-file");
        var marker = _locks.File("ran");
        await File.WriteAllTextAsync(blocker, "not a directory");
        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--backend", $"file://{blocker}/locks", "--", "touch", marker);
        Assert.Equal(69, exitCode);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Run_CommandNotFound_Exits127()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", "baton-no-such-command-xyz");
        Assert.Equal(127, exitCode);
        Assert.Contains("command not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PathDoesNotExist_Exits127()
    {
        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", _locks.File("missing.sh"));
        Assert.Equal(127, exitCode);
    }

    [Fact]
    public async Task Run_CommandNotExecutable_Exits126()
    {
        var script = _locks.File("not-executable.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--", script);
        Assert.Equal(126, exitCode);
        Assert.Contains("permission denied", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("300ms")]
    [InlineData("0.2")]
    public async Task Run_HeldByAnother_NotAcquiredInTime_Exits75(string timeout)
    {
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        var marker = _locks.File("ran");
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--backend", _locks.Url, "--timeout", timeout, "--", "touch", marker);

        Assert.Equal(75, exitCode);
        Assert.False(File.Exists(marker));
        Assert.DoesNotContain("waited", error, StringComparison.Ordinal); // no status line without a terminal
        Assert.DoesNotContain("\u001b[", error, StringComparison.Ordinal);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
    }

    [Fact]
    public async Task Run_MemoryBackend_RunsTheCommand()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync("run", "job", "--backend", "memory://", "--", "echo", "hello");
        Assert.Equal(0, exitCode);
        Assert.Equal("hello", output);
    }
}
