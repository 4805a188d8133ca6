using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton join`: a member of the group while the command runs, with unique member ids and checked capabilities.</summary>
public sealed class JoinTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Join_Command_SeesTheGroupAndItsMemberId()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "join", "workers", "--id", "worker-1", "--backend", _locks.Url, "--", "sh", "-c", "echo \"group=$BATON_GROUP\"; echo \"id=$BATON_MEMBER_ID\"");

        Assert.True(exitCode == 0, error);
        Assert.Equal(["group=workers", "id=worker-1"], output.Split('\n'));
    }

    [Fact]
    public async Task Join_WithoutId_IsKnownAsHostColonPid()
    {
        await using var member = BatonProcess.Start("join", "workers", "--backend", _locks.Url, "--", "sh", "-c", "echo \"id=$BATON_MEMBER_ID\"; read line");

        var line = await member.WaitForLineAsync("id=");

        Assert.Equal($"id={Environment.MachineName}:{member.Id}", line);
        await member.WriteLineAsync("done");
        Assert.Equal(0, await member.WaitForExitAsync());
    }

    [Fact]
    public async Task Join_CommandsExitCode_IsBatons()
    {
        var (exitCode, _, _) = await BatonProcess.RunAsync("join", "workers", "--backend", _locks.Url, "--", "sh", "-c", "exit 3");

        Assert.Equal(3, exitCode);
    }

    [Fact]
    public async Task Join_IdAlreadyInTheGroup_Exits75AtOnce_OrJoinsWhenItLeavesWithinTheTimeout()
    {
        await using var first = BatonProcess.Start("join", "workers", "--id", "worker-1", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await first.WaitForLineAsync("joined");
        var marker = _locks.File("ran");

        var (refused, _, refusedError) = await BatonProcess.RunAsync("join", "workers", "--id", "worker-1", "--backend", _locks.Url, "--", "touch", marker);

        Assert.Equal(75, refused);
        Assert.Contains("'worker-1' is already a member of group 'workers'", refusedError, StringComparison.Ordinal);
        Assert.Contains($"{Environment.MachineName}:{first.Id}(", refusedError, StringComparison.Ordinal); // who has it
        Assert.Contains("--timeout", refusedError, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));

        await using var patient = BatonProcess.Start("join", "workers", "--id", "worker-1", "--timeout", "30s", "--backend", _locks.Url, "--", "sh", "-c", "echo second-joined");
        await first.WriteLineAsync("done");
        Assert.Equal(0, await first.WaitForExitAsync());
        Assert.Equal(0, await patient.WaitForExitAsync());
        Assert.Contains("second-joined", patient.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"zone\":")]
    [InlineData("zone=a")]
    [InlineData("")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    public async Task Join_CapabilitiesNotOneJsonValue_Exits64SayingSo(string capabilities)
    {
        var marker = _locks.File("ran");

        var (exitCode, _, error) = await BatonProcess.RunAsync("join", "workers", "--capabilities", capabilities, "--backend", _locks.Url, "--", "touch", marker);

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("--capabilities: not JSON", error, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Join_CapabilitiesTooLarge_Exits64SayingTheLimit()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(
            "join", "workers", "--capabilities", $"\"{new string('x', 1100)}\"", "--backend", _locks.Url, "--", "true");

        Assert.Equal(64, exitCode);
        Assert.Contains("--capabilities: at most 1024 bytes", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("workers", "true")]
    [InlineData("workers", "--")]
    [InlineData("--", "true")]
    [InlineData("workers", "--id", "", "--", "true")]
    [InlineData("workers", "--timeout", "later", "--", "true")]
    public async Task Join_LinesTheGrammarRefuses_AreUsageErrors(params string[] arguments)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(["join", "--backend", _locks.Url, .. arguments]);

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("join", error, StringComparison.Ordinal);
    }
}
