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
    public Task Run_PythonLockfHoldsTheOsloFile_Exits75AndTheOtherWayRound() => OsloPeerAndBatonExcludeEachOtherAsync(
        hold: "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.readline()",
        tryOnce: "import fcntl, sys\nf = open(sys.argv[1], 'a')\ntry:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(75)\n");

    [Fact]
    public Task Run_FastenersHoldsTheOsloFile_Exits75AndTheOtherWayRound() => OsloPeerAndBatonExcludeEachOtherAsync(
        hold: "import fasteners, sys; lock = fasteners.InterProcessLock(sys.argv[1]); lock.acquire(); print('held', flush=True); sys.stdin.readline(); lock.release()",
        tryOnce: "import fasteners, sys; lock = fasteners.InterProcessLock(sys.argv[1]); sys.exit(0 if lock.acquire(blocking=False) else 75)");

    /// <summary>
    /// A Python peer holding oslo.concurrency's file for a name makes <c>baton run --timeout 0</c> exit 75; a
    /// <c>baton run</c> holding it makes the peer's try fail (75), and once baton is done the peer gets it.
    /// </summary>
    /// <param name="hold">Python that takes the lock on argv[1], prints "held" and keeps it until a line on stdin.</param>
    /// <param name="tryOnce">Python that tries once to take the lock on argv[1]: exit 0 when it got it, 75 when busy.</param>
    private async Task OsloPeerAndBatonExcludeEachOtherAsync(string hold, string tryOnce)
    {
        var url = _locks.Url + "?layout=oslo&prefix=nova-";
        Directory.CreateDirectory(_locks.Path);
        File.SetUnixFileMode(_locks.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(_locks.Path, "nova-instance_42");

        using (var python = StartPeer(Python, "-c", hold, file))
        {
            Assert.Equal("held", await python.StandardOutput.ReadLineAsync());
            var (exitCode, _, _) = await BatonProcess.RunAsync("run", "instance/42", "--timeout", "0", "--backend", url, "--", "true");
            Assert.Equal(75, exitCode);
            await python.StandardInput.WriteLineAsync("done");
            await python.StandardInput.FlushAsync();
            await python.WaitForExitAsync();
            Assert.Equal(0, python.ExitCode);
        }

        await using (var baton = BatonProcess.Start("run", "instance/42", "--backend", url, "--", "sh", "-c", "echo held; read line"))
        {
            await baton.WaitForLineAsync("held");
            Assert.Equal(75, await RunPeerAsync(tryOnce, file));
            await baton.WriteLineAsync("done");
            Assert.Equal(0, await baton.WaitForExitAsync());
        }

        Assert.Equal(0, await RunPeerAsync(tryOnce, file));
    }

    private static async Task<int> RunPeerAsync(string script, string file)
    {
        using var peer = StartPeer(Python, "-c", script, file);
        await peer.WaitForExitAsync();
        return peer.ExitCode;
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
