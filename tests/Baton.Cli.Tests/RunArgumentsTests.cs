using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// `baton run`'s options read the same whichever way they are written: the common shapes take a fast path that
/// skips building the parser of every verb, the rest System.CommandLine; both must agree.
/// </summary>
public sealed class RunArgumentsTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Run_OptionsInAnyOrderAndShortForms_AllTakeEffect()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "run", "-v", "--timeout", "5s", "job", "-s", "-b", _locks.Url, "--", "sh", "-c", "echo name=$BATON_LOCK_NAME");

        Assert.True(exitCode == 0, error);
        Assert.Contains("name=job", output, StringComparison.Ordinal);
        Assert.Contains("baton: holding 'job' (shared,", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OptionWithEqualsSign_IsReadLikeTheSpacedForm()
    {
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--timeout=0", "--backend=" + _locks.Url, "--", "true");

        Assert.Equal(75, exitCode);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
    }

    [Theory]
    [InlineData("--shared", "true", "--", "true")]
    [InlineData("one", "two", "--", "true")]
    [InlineData("job", "--timeout", "soon", "--", "true")]
    [InlineData("job", "--kill-after", "soon", "--", "true")]
    [InlineData("job", "--colour", "--", "true")]
    [InlineData("-v", "--", "true")]
    public async Task Run_LinesTheGrammarRefuses_AreUsageErrors(params string[] arguments)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(["run", "--backend", _locks.Url, .. arguments]);

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("--help", error, StringComparison.Ordinal);
    }
}

/// <summary>What baton says and what its command prints, sent to one file (<c>&gt;log 2&gt;&amp;1</c>, as cron jobs do).</summary>
public sealed class RunOutputTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Run_OutputAndErrorToOneFile_NothingOverwritesAnything()
    {
        var log = _locks.File("job.log");
        var script = $"exec \"$0\" \"$1\" run -v job --backend '{_locks.Url}' -- sh -c 'echo first line of the command; echo second line of the command' >'{log}' 2>&1";
        var shell = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", script, CliLocator.DotnetHost, CliLocator.Assembly })
        {
            shell.ArgumentList.Add(argument);
        }

        shell.Environment["DOTNET_EnableDiagnostics"] = "0";
        using var process = System.Diagnostics.Process.Start(shell)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, error);
        var lines = await File.ReadAllLinesAsync(log);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("baton: holding 'job'", lines[0], StringComparison.Ordinal);
        Assert.Equal("first line of the command", lines[1]);
        Assert.Equal("second line of the command", lines[2]);
        Assert.StartsWith("baton: released 'job'", lines[3], StringComparison.Ordinal);
    }
}
