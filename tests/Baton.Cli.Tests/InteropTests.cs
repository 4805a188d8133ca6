using System.Diagnostics;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// `baton run` against the peers the file backend interoperates with: util-linux flock(1) with <c>?api=flock</c>,
/// and Python's <c>fcntl.lockf</c> (what oslo.concurrency and fasteners take) with <c>?layout=oslo</c>, both
/// directly and through <c>fasteners.InterProcessLock</c> itself (Debian's python3-fasteners).
/// </summary>
public sealed class InteropTests : IDisposable
{
    /// <summary>Debian's Python, which has the Debian packages (python3-fasteners); scripts/test.sh installs them.</summary>
    private const string Python = "/usr/bin/python3";

    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Run_FlockHoldsTheFile_Exits75AndTheOtherWayRound()
    {
        var url = _locks.Url + "?api=flock";
        Directory.CreateDirectory(_locks.Path);
        File.SetUnixFileMode(_locks.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(_locks.Path, "job.lock");

        using (var flock = StartPeer("flock", file, "-c", "echo held; read line"))
        {
            Assert.Equal("held", await flock.StandardOutput.ReadLineAsync());
            var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", url, "--", "true");
            Assert.Equal(75, exitCode);
            await flock.StandardInput.WriteLineAsync("done");
            await flock.StandardInput.FlushAsync();
            await flock.WaitForExitAsync();
        }

        await using var baton = BatonProcess.Start("run", "job", "--backend", url, "--", "sh", "-c", "echo held; read line");
        await baton.WaitForLineAsync("held");
        using (var probe = StartPeer("flock", "-n", file, "true"))
        {
            await probe.WaitForExitAsync();
            Assert.Equal(1, probe.ExitCode); // flock -n: "the lock could not be acquired"
        }

        await baton.WriteLineAsync("done");
        Assert.Equal(0, await baton.WaitForExitAsync());
    }

    [Fact]
    public async Task Run_PythonLockfHoldsTheOsloFile_Exits75AndTheOtherWayRound()
    {
        var url = _locks.Url + "?layout=oslo&prefix=nova-";
        Directory.CreateDirectory(_locks.Path);
        File.SetUnixFileMode(_locks.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(_locks.Path, "nova-instance_42");
        const string Hold = "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.readline()";
        const string Try = "import fcntl, sys\nf = open(sys.argv[1], 'a')\ntry:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(75)\n";

        using (var python = StartPeer(Python, "-c", Hold, file))
        {
            Assert.Equal("held", await python.StandardOutput.ReadLineAsync());
            var (exitCode, _, _) = await BatonProcess.RunAsync("run", "instance/42", "--timeout", "0", "--backend", url, "--", "true");
            Assert.Equal(75, exitCode);
            await python.StandardInput.WriteLineAsync("done");
            await python.StandardInput.FlushAsync();
            await python.WaitForExitAsync();
        }

        await using var baton = BatonProcess.Start("run", "instance/42", "--backend", url, "--", "sh", "-c", "echo held; read line");
        await baton.WaitForLineAsync("held");
        using (var probe = StartPeer(Python, "-c", Try, file))
        {
            await probe.WaitForExitAsync();
            Assert.Equal(75, probe.ExitCode);
        }

        await baton.WriteLineAsync("done");
        Assert.Equal(0, await baton.WaitForExitAsync());
    }

    [Fact]
    public async Task Run_FastenersHoldsTheOsloFile_Exits75AndTheOtherWayRound()
    {
        var url = _locks.Url + "?layout=oslo&prefix=nova-";
        Directory.CreateDirectory(_locks.Path);
        File.SetUnixFileMode(_locks.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(_locks.Path, "nova-instance_42");
        const string Hold = "import fasteners, sys; lock = fasteners.InterProcessLock(sys.argv[1]); lock.acquire(); print('held', flush=True); sys.stdin.readline(); lock.release()";
        const string Try = "import fasteners, sys; lock = fasteners.InterProcessLock(sys.argv[1]); sys.exit(0 if lock.acquire(blocking=False) else 75)";

        using (var python = StartPeer(Python, "-c", Hold, file))
        {
            Assert.Equal("held", await python.StandardOutput.ReadLineAsync());
            var (exitCode, _, _) = await BatonProcess.RunAsync("run", "instance/42", "--timeout", "0", "--backend", url, "--", "true");
            Assert.Equal(75, exitCode);
            await python.StandardInput.WriteLineAsync("done");
            await python.StandardInput.FlushAsync();
            await python.WaitForExitAsync();
            Assert.Equal(0, python.ExitCode);
        }

        await using var baton = BatonProcess.Start("run", "instance/42", "--backend", url, "--", "sh", "-c", "echo held; read line");
        await baton.WaitForLineAsync("held");
        using (var probe = StartPeer(Python, "-c", Try, file))
        {
            await probe.WaitForExitAsync();
            Assert.Equal(75, probe.ExitCode);
        }

        await baton.WriteLineAsync("done");
        Assert.Equal(0, await baton.WaitForExitAsync());
        using (var after = StartPeer(Python, "-c", Try, file))
        {
            await after.WaitForExitAsync();
            Assert.Equal(0, after.ExitCode);
        }
    }

    private static Process StartPeer(string program, params string[] args)
    {
        var startInfo = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        return Process.Start(startInfo)!;
    }
}
