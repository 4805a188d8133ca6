using System.Diagnostics;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`--help` on every verb, `--version`, and the live status line that only a terminal gets.</summary>
public sealed class HelpAndTerminalTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Theory]
    [InlineData("run")]
    [InlineData("elect")]
    [InlineData("join")]
    [InlineData("locks")]
    [InlineData("leader")]
    [InlineData("members")]
    [InlineData("clean")]
    [InlineData("break")]
    public async Task Help_EveryVerb_ShowsUsageOptionsAndExamples(string verb)
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync(verb, "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains($"baton {verb}", output, StringComparison.Ordinal);
        Assert.Contains("--backend", output, StringComparison.Ordinal);
        Assert.Contains("Examples:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Root_ListsTheVerbs()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync("--help");
        Assert.Equal(0, exitCode);
        foreach (var verb in new[] { "run", "elect", "join", "locks", "leader", "members", "clean", "break" })
        {
            Assert.Contains($"  {verb}", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_PasswordInBatonBackend_IsHidden()
    {
        var startInfo = new ProcessStartInfo(CliLocator.DotnetHost) { RedirectStandardOutput = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(CliLocator.Assembly);
        startInfo.ArgumentList.Add("run");
        startInfo.ArgumentList.Add("--help");
        startInfo.Environment["BATON_BACKEND"] = "redis://:s3cret-pw@127.0.0.1:6379";
        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.DoesNotContain("s3cret-pw", output, StringComparison.Ordinal);
        Assert.Contains("redis://:***@127.0.0.1:6379", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync("--version");
        Assert.Equal(0, exitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }

    [Fact]
    public async Task Run_WaitingOnATerminal_ShowsTheHolderOnALiveLine()
    {
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        // util-linux script(1) gives the waiter a pseudo-terminal; its output is the terminal's.
        var command = string.Join(' ', new[] { CliLocator.DotnetHost, CliLocator.Assembly, "run", "job", "--timeout", "3s", "--backend", _locks.Url, "--", "true" }.Select(Quote));
        var startInfo = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-qefc", command, "/dev/null" })
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var script = Process.Start(startInfo)!;
        var output = await script.StandardOutput.ReadToEndAsync();
        await script.WaitForExitAsync();

        Assert.Equal(75, script.ExitCode);
        Assert.Contains($"baton: 'job' held exclusive by {Environment.MachineName} pid {holder.Id} (dotnet) for ", output, StringComparison.Ordinal);
        Assert.Contains("; waited ", output, StringComparison.Ordinal);
        Assert.Contains("\r\u001b[K", output, StringComparison.Ordinal); // rewritten in place, then erased
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
    }

    [Fact]
    public async Task Elect_CampaigningOnATerminal_ShowsTheLeaderOnALiveLine()
    {
        await using var leader = BatonProcess.Start("elect", "scheduler", "--id", "node-a", "--backend", _locks.Url, "--", "sh", "-c", "echo leading; read line");
        await leader.WaitForLineAsync("leading");

        var command = string.Join(' ', new[] { CliLocator.DotnetHost, CliLocator.Assembly, "elect", "scheduler", "--timeout", "3s", "--backend", _locks.Url, "--", "true" }.Select(Quote));
        var startInfo = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-qefc", command, "/dev/null" })
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var script = Process.Start(startInfo)!;
        var output = await script.StandardOutput.ReadToEndAsync();
        await script.WaitForExitAsync();

        Assert.Equal(75, script.ExitCode);
        Assert.Contains($"baton: 'scheduler' led by {Environment.MachineName} pid {leader.Id} (dotnet) [node-a] for ", output, StringComparison.Ordinal);
        await leader.WriteLineAsync("done");
        Assert.Equal(0, await leader.WaitForExitAsync());
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
