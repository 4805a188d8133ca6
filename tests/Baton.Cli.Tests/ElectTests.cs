using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton elect`: the command runs only while its baton leads, with the term in its environment.</summary>
public sealed class ElectTests : IDisposable
{
    private const int SIGKILL = 9, SIGTERM = 15;

    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Elect_TwoCandidates_TheSecondsCommandStartsOnlyAfterTheFirstExits()
    {
        var order = _locks.File("order");
        await using var first = BatonProcess.Start(
            "elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", $"echo \"leading $BATON_TERM\"; read line; echo first >> '{order}'");
        var firstTerm = Term(await first.WaitForLineAsync("leading "));
        await using var second = BatonProcess.Start(
            "elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", $"echo second >> '{order}'; echo \"leading $BATON_TERM\"");
        await LocksJson.WaitForAsync(_locks.Url, "scheduler", l => l.Waiters.Any(w => w.Pid == second.Id));

        Assert.DoesNotContain("leading", second.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(order));
        await first.WriteLineAsync("done");

        Assert.Equal(0, await first.WaitForExitAsync());
        Assert.Equal(0, await second.WaitForExitAsync());
        Assert.Equal(["first", "second"], await File.ReadAllLinesAsync(order));
        Assert.True(Term(second.Output) > firstTerm, $"the second term {second.Output} must exceed the first, {firstTerm}");
    }

    [Fact]
    public async Task Elect_LeadersBatonKilled_TheWaitingCandidateLeadsAtOnceWithATakeoverNote()
    {
        await using var first = BatonProcess.Start("elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "echo \"leading $$\"; exec sleep 60");
        var command = int.Parse((await first.WaitForLineAsync("leading "))["leading ".Length..], CultureInfo.InvariantCulture);
        await using var second = BatonProcess.Start("elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "echo leading; read line");
        await LocksJson.WaitForAsync(_locks.Url, "scheduler", l => l.Waiters.Any(w => w.Pid == second.Id));

        var killed = Stopwatch.StartNew();
        first.Signal(SIGKILL);
        await second.WaitForLineAsync("leading");

        // file://: the kernel drops a dead process's locks, so the next candidate is woken at once.
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(10), $"the second candidate led {killed.Elapsed} after the leader's baton died");
        Assert.Contains($"note: the previous leader of 'scheduler' did not resign cleanly", second.Error, StringComparison.Ordinal);
        await second.WriteLineAsync("done");
        Assert.Equal(0, await second.WaitForExitAsync());
        await ProcessState.WaitUntilGoneAsync(command); // the deposed command died with its baton
    }

    [Fact]
    public async Task Elect_Command_SeesTheElectionAndItsTerm_AsTheLockToo()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "elect", "jobs/ü 1", "--backend", _locks.Url, "--", "sh", "-c",
            "echo \"election=$BATON_ELECTION\"; echo \"term=$BATON_TERM\"; echo \"lock=$BATON_LOCK_NAME\"; echo \"token=$BATON_FENCING_TOKEN\"");

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n');
        Assert.Contains("election=jobs/ü 1", lines);
        Assert.Contains("lock=jobs/ü 1", lines);
        var term = long.Parse(lines.Single(l => l.StartsWith("term=", StringComparison.Ordinal))["term=".Length..], CultureInfo.InvariantCulture);
        Assert.True(term > 0, output);
        Assert.Contains($"token={term}", lines);
    }

    [Fact]
    public async Task Elect_CommandsExitCode_IsBatonsAndTheElectionIsFreeAfterwards()
    {
        var (exitCode, _, _) = await BatonProcess.RunAsync("elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "exit 3");

        Assert.Equal(3, exitCode);
        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Fact]
    public async Task Elect_TimeoutZeroWhileAnotherLeads_Exits75WithoutRunningTheCommand()
    {
        await using var leader = BatonProcess.Start("elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "echo leading; read line");
        await leader.WaitForLineAsync("leading");
        var marker = _locks.File("ran");

        var (now, _, nowError) = await BatonProcess.RunAsync("elect", "scheduler", "--timeout", "0", "--backend", _locks.Url, "--", "touch", marker);
        var (later, _, laterError) = await BatonProcess.RunAsync("elect", "scheduler", "--timeout", "300ms", "--backend", _locks.Url, "--", "touch", marker);

        Assert.Equal(75, now);
        Assert.Contains("'scheduler' has another leader; not waiting (--timeout 0)", nowError, StringComparison.Ordinal);
        Assert.Equal(75, later);
        Assert.Contains("not elected leader of 'scheduler' within", laterError, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        await leader.WriteLineAsync("done");
        Assert.Equal(0, await leader.WaitForExitAsync());
    }

    [Fact]
    public async Task Elect_SigtermWhileCampaigning_StopsWith143AndLeavesNoCandidate()
    {
        await using var leader = BatonProcess.Start("elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "echo leading; read line");
        await leader.WaitForLineAsync("leading");
        var marker = _locks.File("ran");
        await using var candidate = BatonProcess.Start("elect", "scheduler", "--backend", _locks.Url, "--", "touch", marker);
        await LocksJson.WaitForAsync(_locks.Url, "scheduler", l => l.Waiters.Any(w => w.Pid == candidate.Id));

        candidate.Signal(SIGTERM);

        Assert.Equal(143, await candidate.WaitForExitAsync());
        await LocksJson.WaitForAsync(_locks.Url, "scheduler", l => l.Waiters.Count == 0);
        await leader.WriteLineAsync("done");
        Assert.Equal(0, await leader.WaitForExitAsync());
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Elect_SigtermWhileLeading_IsPassedToTheCommandAndLeadershipResigned()
    {
        await using var leader = BatonProcess.Start(
            "elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "trap 'echo got-term; exit 7' TERM; echo leading; while :; do sleep 0.05; done");
        await leader.WaitForLineAsync("leading");

        leader.Signal(SIGTERM);

        Assert.Equal(7, await leader.WaitForExitAsync());
        Assert.Contains("got-term", leader.Output, StringComparison.Ordinal);
        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Theory]
    [InlineData("scheduler", "true")]
    [InlineData("scheduler", "--")]
    [InlineData("--", "true")]
    [InlineData("scheduler", "--id", "", "--", "true")]
    [InlineData("scheduler", "--timeout", "soon", "--", "true")]
    [InlineData("scheduler", "--kill-after", "-1", "--", "true")]
    public async Task Elect_LinesTheGrammarRefuses_AreUsageErrors(params string[] arguments)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(["elect", "--backend", _locks.Url, .. arguments]);

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("elect", error, StringComparison.Ordinal);
    }

    private static long Term(string output) =>
        long.Parse(output.Split('\n').First(l => l.StartsWith("leading ", StringComparison.Ordinal))["leading ".Length..].Trim(), CultureInfo.InvariantCulture);
}
