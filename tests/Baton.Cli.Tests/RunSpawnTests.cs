using System.Globalization;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// How `baton run` starts its command: directly through its native helper (src/Baton.Cli/Native/spawn.c) when
/// it was built with a C compiler, else through util-linux setpriv (<see cref="FallbackBuild"/>). Both must give
/// the command the same start; the native one must not use any helper program.
/// </summary>
public sealed class RunSpawnTests : IDisposable
{
    private const string Native = "native";
    private const string Fallback = "setpriv";

    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public void NativeHelper_IsBuiltOnMachinesWithACCompiler()
    {
        if (!File.Exists("/usr/bin/cc") && !File.Exists("/usr/bin/gcc") && !File.Exists("/usr/bin/clang"))
        {
            return; // A machine without a compiler builds the fallback only; nothing to check.
        }

        Assert.True(FallbackBuild.NativeHelperBuilt, $"{FallbackBuild.NativeHelper} is missing beside {CliLocator.Assembly} although a C compiler exists");
    }

    /// <summary>
    /// The native helper starts the command itself: a `setpriv` first in PATH (which the fallback would run)
    /// is never run, and the command's parent is baton from its first instruction.
    /// </summary>
    [Fact]
    public async Task Run_WithTheNativeHelper_StartsTheCommandWithoutSetpriv()
    {
        if (!FallbackBuild.NativeHelperBuilt)
        {
            return; // Covered by NativeHelper_IsBuiltOnMachinesWithACCompiler where it matters.
        }

        var bin = _locks.File("bin");
        Directory.CreateDirectory(bin);
        var marker = _locks.File("setpriv-ran");
        var spy = Path.Combine(bin, "setpriv");
        await File.WriteAllTextAsync(spy, $"#!/bin/sh\ntouch '{marker}'\nexec /usr/bin/setpriv \"$@\"\n");
        File.SetUnixFileMode(spy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var launch = new BatonLaunch { Environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") } };

        await using var baton = BatonProcess.Start(launch, "run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo ppid=$PPID; read line");
        var line = await baton.WaitForLineAsync("ppid=");
        await baton.WriteLineAsync("go");

        Assert.Equal(0, await baton.WaitForExitAsync());
        Assert.Equal(baton.Id, int.Parse(line["ppid=".Length..], CultureInfo.InvariantCulture));
        Assert.False(File.Exists(marker), "setpriv ran: the command was not started by the native helper");
    }

    [Theory]
    [InlineData(Native)]
    [InlineData(Fallback)]
    public async Task Run_Command_DiesOfSigpipeAsUnderAShell(string build)
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            Launch(build), "run", "pipe", "--backend", _locks.Url, "--", "bash", "-c", "yes | head -n1 >/dev/null; echo \"producer=${PIPESTATUS[0]}\"");

        Assert.True(exitCode == 0, error);
        Assert.Contains("producer=141", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A command must be able to receive the signals baton passes on: it starts with no signal blocked, even
    /// when baton's own parent blocked some (the setpriv chain passed such a mask on to the command).
    /// </summary>
    [Fact]
    public async Task Run_BatonStartedWithSignalsBlocked_CommandStartsWithNoneBlocked()
    {
        if (!FallbackBuild.NativeHelperBuilt)
        {
            return;
        }

        var launch = new BatonLaunch
        {
            Launcher = ["python3", "-c", PythonExec("signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR1})")],
        };

        var (exitCode, output, error) = await BatonProcess.RunAsync(launch, "run", "mask", "--backend", _locks.Url, "--", "grep", "^SigBlk:", "/proc/self/status");

        Assert.True(exitCode == 0, error);
        Assert.Equal(0UL, ulong.Parse(output.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>With SIGCHLD ignored the kernel reaps children by itself; baton must still report the command's exit code.</summary>
    [Theory]
    [InlineData(Native)]
    [InlineData(Fallback)]
    public async Task Run_BatonStartedWithSigchldIgnored_ExitsWithTheCommandsCode(string build)
    {
        var launch = Launch(build) with
        {
            Launcher = ["python3", "-c", PythonExec("signal.signal(signal.SIGCHLD, signal.SIG_IGN)")],
        };

        var (exitCode, _, error) = await BatonProcess.RunAsync(launch, "run", "chld", "--backend", _locks.Url, "--", "sh", "-c", "exit 3");

        Assert.True(exitCode == 3, $"exit {exitCode}: {error}");
    }

    /// <summary>
    /// The command is checked before the lock is taken; if it disappears while baton waits, the exec fails after
    /// the lock was taken: 127 as a shell would say, and the lock released.
    /// </summary>
    [Theory]
    [InlineData(Native)]
    [InlineData(Fallback)]
    public async Task Run_CommandRemovedWhileWaiting_Exits127AndReleases(string build)
    {
        var script = _locks.File("vanishing.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        await using var waiter = BatonProcess.Start(Launch(build), "run", "job", "--backend", _locks.Url, "--", script);
        await LocksJson.WaitForAsync(_locks.Url, "job", l => l.Waiters.Count == 1);
        File.Delete(script);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());

        Assert.Equal(127, await waiter.WaitForExitAsync());
        var (exitCode, _, error) = await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        Assert.True(exitCode == 0, $"the lock must be free: exit {exitCode}, {error}");
    }

    /// <summary>A file without a #! line is run by /bin/sh, as execvp(3) and the shells do.</summary>
    [Theory]
    [InlineData(Native)]
    [InlineData(Fallback)]
    public async Task Run_ExecutableWithoutInterpreterLine_RunsUnderSh(string build)
    {
        var script = _locks.File("plain");
        await File.WriteAllTextAsync(script, "echo \"plain $1 $BATON_LOCK_NAME\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (exitCode, output, error) = await BatonProcess.RunAsync(Launch(build), "run", "job", "--backend", _locks.Url, "--", script, "arg");

        Assert.True(exitCode == 0, error);
        Assert.Equal("plain arg job", output.Trim());
    }

    /// <summary>elect and join start their command the same way, each with its own variables.</summary>
    [Theory]
    [InlineData(Native, "elect", "BATON_ELECTION=x BATON_LOCK_NAME=x")]
    [InlineData(Fallback, "elect", "BATON_ELECTION=x BATON_LOCK_NAME=x")]
    [InlineData(Native, "join", "BATON_GROUP=x BATON_MEMBER_ID=m1")]
    [InlineData(Fallback, "join", "BATON_GROUP=x BATON_MEMBER_ID=m1")]
    public async Task ElectAndJoin_WithEitherLauncher_CommandSeesItsVariables(string build, string verb, string expected)
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            Launch(build), verb, "x", "--id", "m1", "--backend", _locks.Url, "--", "sh", "-c",
            "echo \"${BATON_ELECTION:+BATON_ELECTION=$BATON_ELECTION BATON_LOCK_NAME=$BATON_LOCK_NAME}${BATON_GROUP:+BATON_GROUP=$BATON_GROUP BATON_MEMBER_ID=$BATON_MEMBER_ID}\"");

        Assert.True(exitCode == 0, error);
        Assert.Equal(expected, output.Trim());
    }

    // Python that sets up signals as a careless parent (or nohup) might, then executes its arguments.
    private static string PythonExec(string setup) => $"import os, signal, sys\n{setup}\nos.execv(sys.argv[1], sys.argv[1:])";

    private static BatonLaunch Launch(string build) => build == Fallback ? new BatonLaunch(FallbackBuild.Assembly) : new BatonLaunch();
}
