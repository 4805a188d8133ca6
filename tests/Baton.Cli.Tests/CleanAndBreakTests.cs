using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton clean` and `baton break`: their refusals and their exit codes.</summary>
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
