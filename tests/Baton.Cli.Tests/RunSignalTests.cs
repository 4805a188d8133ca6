using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton run` and signals: stop waiting, pass them on, and never leave the command unprotected.</summary>
public sealed class RunSignalTests : IDisposable
{
    private const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Theory]
    [InlineData(SIGINT, 130)]
    [InlineData(SIGTERM, 143)]
    public async Task Run_SignalWhileWaiting_StopsWaitingWith128PlusSignalAndLeavesNoWaiter(int signal, int expected)
    {
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");
        var marker = _locks.File("ran");
        await using var waiter = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "touch", marker);
        await LocksJson.WaitForAsync(_locks.Url, "job", l => l.Waiters.Any(w => w.Pid == waiter.Id));

        waiter.Signal(signal);

        Assert.Equal(expected, await waiter.WaitForExitAsync());
        var after = await LocksJson.WaitForAsync(_locks.Url, "job", l => l.Waiters.Count == 0);
        Assert.Equal(holder.Id, Assert.Single(after!.Holders).Pid);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
        Assert.False(File.Exists(marker));
        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Fact]
    public async Task Run_SigtermWhileCommandRuns_IsForwardedAndTheLockReleasedAfterIt()
    {
        // The trap runs between two short sleeps; the command then exits 7, which baton passes on.
        await using var baton = BatonProcess.Start(
            "run", "job", "--backend", _locks.Url, "--", "sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
        await baton.WaitForLineAsync("ready");

        baton.Signal(SIGTERM);

        Assert.Equal(7, await baton.WaitForExitAsync());
        Assert.Contains("got-term", baton.Output, StringComparison.Ordinal);
        var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Run_SigintWhileCommandRuns_IsForwardedWithoutATerminal()
    {
        await using var baton = BatonProcess.Start(
            "run", "job", "--backend", _locks.Url, "--", "sh", "-c", "trap 'echo got-int; exit 5' INT; echo ready; while :; do sleep 0.05; done");
        await baton.WaitForLineAsync("ready");

        baton.Signal(SIGINT);

        Assert.Equal(5, await baton.WaitForExitAsync());
        Assert.Contains("got-int", baton.Output, StringComparison.Ordinal);
        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Fact]
    public async Task Run_BatonKilledWithSigkill_CommandDiesTooAndTheLockIsFree()
    {
        await using var baton = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo pid=$$; exec sleep 60");
        var line = await baton.WaitForLineAsync("pid=");
        var childPid = int.Parse(line["pid=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ProcessState.IsAlive(childPid));

        baton.Signal(SIGKILL);

        await ProcessState.WaitUntilGoneAsync(childPid);

        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        Assert.True(exitCode == 0, $"the lock must be free after kill -9: exit {exitCode}, {error}");
    }
}
