using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;

namespace Baton.Cli.Tests.Audit;

/// <summary>Audit of the `baton` command: each test states the contract it holds the command to.</summary>
public sealed class CliAuditTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    /// <summary>
    /// "A better flock(1)": the command must start with the signal dispositions a shell would give it. The
    /// .NET runtime ignores SIGPIPE, and an ignored disposition survives fork and both execs (setpriv, the
    /// command), so every command baton runs has SIGPIPE ignored.
    /// </summary>
    [Fact]
    public async Task Run_Command_DoesNotInheritAnIgnoredSigpipe()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "run", "pipe", "--backend", _locks.Url, "--", "grep", "^SigIgn:", "/proc/self/status");

        Assert.True(exitCode == 0, error);
        var mask = ulong.Parse(output.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.True((mask & (1UL << (13 - 1))) == 0, $"the command runs with SIGPIPE ignored (SigIgn {output.Trim()}); flock(1) gives it the default");
    }

    /// <summary>
    /// Consequence of the above: `producer | head -n1` — under flock(1) the producer dies of SIGPIPE (141);
    /// under baton it gets EPIPE instead. A shell loop producer then never ends, and baton holds the lock for ever.
    /// </summary>
    [Fact]
    public async Task Run_PipelineIntoHead_ProducerDiesOfSigpipeAsUnderAShell()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "run", "pipe", "--backend", _locks.Url, "--", "bash", "-c", "yes | head -n1 >/dev/null; echo \"producer=${PIPESTATUS[0]}\"");

        Assert.True(exitCode == 0, error);
        Assert.Contains("producer=141", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Broken pipe", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// DESIGN rule 9: a name is any non-empty string. System.CommandLine's response files are on by default,
    /// so `baton run @NAME` reads a file called NAME and splices its words in as arguments: the lock taken
    /// depends on the working directory's files (two scripts think they exclude each other and do not), or
    /// the run fails with exit 64 ("Response file not found").
    /// </summary>
    [Fact]
    public async Task Run_NameStartingWithAt_IsTheNameItselfNotAResponseFile()
    {
        var path = _locks.File("nightly");
        await File.WriteAllTextAsync(path, "some-other-lock\n");
        var name = "@" + path;

        var (exitCode, output, error) = await BatonProcess.RunAsync(
            "run", name, "--backend", _locks.Url, "--", "sh", "-c", "printf '%s\\n' \"$BATON_LOCK_NAME\"");

        Assert.True(exitCode == 0, error);
        Assert.Equal(name, output.Trim());

        var (missingExit, _, missingError) = await BatonProcess.RunAsync(
            "run", "@" + _locks.File("absent"), "--backend", _locks.Url, "--", "true");
        Assert.True(missingExit == 0, $"exit {missingExit}: {missingError}");
    }

    /// <summary>DESIGN: "A password never appears in a message". A URL given without --backend is echoed by the parser.</summary>
    [Fact]
    public async Task Locks_UrlWithoutBackendOption_MessageDoesNotShowThePassword()
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync("locks", "redis://:hunter2@127.0.0.1:6379");

        Assert.Equal(64, exitCode);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// docs/cli.md: nothing but the status line goes to a terminal, and Terminal.Width reads the size with
    /// ioctl precisely to avoid .NET's terminal initialisation. Yet any Console write initialises it, and .NET
    /// then sends keypad-transmit mode (ESC[?1h ESC=) to the terminal and never resets it — even when standard
    /// error is not the terminal, and for `locks --json &gt; file`.
    /// </summary>
    [Fact]
    public async Task Locks_OnATerminal_WritesNoTerminalModeEscapes()
    {
        var command = $"{Quote(CliLocator.DotnetHost)} {Quote(CliLocator.Assembly)} locks --backend {Quote(_locks.Url)} --json > {Quote(_locks.File("out.json"))} 2>/dev/null";
        var typescript = await RunOnTerminalAsync(command);

        Assert.DoesNotContain("\u001b[?1h", typescript, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b=", typescript, StringComparison.Ordinal);
    }

    /// <summary>
    /// docs/cli.md: "If baton itself is killed (kill -9) … the command is killed too". setpriv sets the
    /// parent-death signal only after it has been executed and has parsed its arguments, and does not check
    /// that its parent is still alive afterwards; a kill -9 in between leaves the command running with the lock
    /// already free. The window is widened here by a slow setpriv found first in PATH (baton looks in PATH
    /// first): load, a cold page cache or a busy machine give the real one the same window. Run against the
    /// build without the native helper, the only one that uses setpriv (<see cref="FallbackBuild"/>).
    /// </summary>
    [Fact]
    public async Task Run_BatonKilledBeforeSetprivSetsTheDeathSignal_CommandNeverRunsUnprotected()
    {
        var bin = _locks.File("slowbin");
        Directory.CreateDirectory(bin);
        var wrapper = Path.Combine(bin, "setpriv");
        await File.WriteAllTextAsync(wrapper, "#!/bin/sh\necho setpriv-started\nsleep 1\nexec /usr/bin/setpriv \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var startInfo = new ProcessStartInfo(CliLocator.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])[FallbackBuild.Assembly, "run", "job", "--backend", _locks.Url, "--", "sh", "-c", "echo command-ran pid=$$; exec sleep 20"])
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        startInfo.Environment.Remove("BATON_BACKEND");
        using var baton = Process.Start(startInfo)!;
        var commandPid = 0;
        try
        {
            var lines = baton.StandardOutput;
            using var deadline = new CancellationTokenSource(BatonProcess.Patience);
            Assert.Equal("setpriv-started", await lines.ReadLineAsync(deadline.Token));

            baton.Kill(); // SIGKILL, baton only: the death signal is all that may end the command.

            // The pipe ends when every writer is gone: baton, and the command unless it was killed.
            var rest = await lines.ReadLineAsync(deadline.Token);
            if (rest is not null && rest.StartsWith("command-ran pid=", StringComparison.Ordinal))
            {
                commandPid = int.Parse(rest["command-ran pid=".Length..], CultureInfo.InvariantCulture);
                var (exitCode, _, _) = await BatonProcess.RunAsync("run", "job", "--timeout", "0", "--backend", _locks.Url, "--", "true");
                Assert.Fail($"the command (pid {commandPid}) started after baton was killed and runs without the lock (another run took it: exit {exitCode}).");
            }

            Assert.Null(rest);
        }
        finally
        {
            if (commandPid != 0)
            {
                try
                {
                    Process.GetProcessById(commandPid).Kill();
                }
                catch (ArgumentException)
                {
                }
            }
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Runs a shell command line on a fresh pseudo-terminal (util-linux script); returns what reached the terminal.</summary>
    private static async Task<string> RunOnTerminalAsync(string commandLine)
    {
        var startInfo = new ProcessStartInfo("script")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in (string[])["-q", "-e", "-c", commandLine, "/dev/null"])
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["TERM"] = "xterm";
        startInfo.Environment.Remove("BATON_BACKEND");
        using var script = Process.Start(startInfo)!;
        script.StandardInput.Close();
        using var deadline = new CancellationTokenSource(BatonProcess.Patience);
        var output = await script.StandardOutput.ReadToEndAsync(deadline.Token);
        await script.WaitForExitAsync(deadline.Token);
        return output;
    }
}
