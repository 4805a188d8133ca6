using System.Diagnostics;
using System.Globalization;
using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>
/// Starts the command of <c>run</c>, <c>elect</c> or <c>join</c> so that it cannot outlive baton: if baton is killed,
/// even with <c>kill -9</c>, the kernel sends the command SIGKILL (PR_SET_PDEATHSIG), and the backend's crash-release
/// rule frees the lock, the leadership or the membership: the command never goes on unprotected.
/// </summary>
/// <remarks>
/// <para>
/// Two ways, with the same guarantees:
/// <list type="bullet">
/// <item><see cref="NativeSpawn"/> (Native/spawn.c, built wherever the build machine has a C compiler): baton
/// creates the child itself (clone with vfork semantics), which sets the death signal, checks that baton is
/// still its parent, resets the signals baton catches and SIGPIPE to their defaults, unblocks every signal and
/// executes the command. The command is baton's direct child from its first instruction; no helper program
/// runs, which is most of what <c>baton run</c>'s startup used to cost (bench/README.md).</item>
/// <item>Otherwise the chain <c>setpriv --pdeathsig KILL -- /usr/bin/env --default-signal=PIPE -- sh -c GUARD
/// BATONPID COMMAND ARGS…</c>, each step executing the next in place: util-linux <c>setpriv</c> sets the death
/// signal; <c>env --default-signal=PIPE</c> (coreutils) gives the command the default SIGPIPE (the .NET runtime
/// ignores SIGPIPE, and an ignored signal stays ignored across exec; a command must die of SIGPIPE as under a
/// shell, <c>yes | head -1</c>, or a pipeline could loop for ever while baton holds the lock); the guard
/// (<c>[ "$PPID" = BATONPID ] || exit 137; exec "$@"</c>) refuses to start the command if baton was killed after
/// the fork but before the death signal was set.</item>
/// </list>
/// </para>
/// PR_SET_PDEATHSIG fires when the <em>thread</em> that created the child exits, not the process. .NET's
/// <see cref="Process.Start(ProcessStartInfo)"/> and spawn.c both create it on the calling thread; a thread-pool
/// thread can be retired after a while idle, which would kill the command in the middle of its run. So the
/// command is started on the main thread, which lives exactly as long as baton (<see cref="MainThreadId"/>
/// checks it). The death signal reaches the command itself, not processes it starts in turn (a shell script
/// should <c>exec</c> its last command, or pass signals on); and the kernel clears it when the command executes
/// a set-user-id program.
/// </remarks>
internal static class ChildLauncher
{
    private static readonly string[] WellKnownSetpriv = ["/usr/bin/setpriv", "/bin/setpriv"];

    // $0 is baton's pid: the command starts only while baton is still the parent (see the remarks).
    private const string ParentGuard = "[ \"$PPID\" = \"$0\" ] || exit 137; exec \"$@\"";

    /// <summary>The managed id of the thread that runs <c>Main</c>; set by <c>Program</c> first thing.</summary>
    public static int MainThreadId { get; set; }

    /// <summary>Whether the command can be started without helper programs (<see cref="NativeSpawn"/> is there).</summary>
    public static bool CanSpawnDirectly => NativeSpawn.IsAvailable;

    /// <summary>Finds util-linux <c>setpriv</c>: in <c>PATH</c>, else in /usr/bin or /bin; null when missing.</summary>
    public static string? FindSetpriv()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var candidate in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "setpriv")).Concat(WellKnownSetpriv))
        {
            if (Path.IsPathFullyQualified(candidate) && File.Exists(candidate) && NativeMethods.Access(candidate, NativeMethods.X_OK) == 0)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Starts the command with standard input, output and error inherited and what it holds in its environment:
    /// directly when <see cref="CanSpawnDirectly"/>, else through <paramref name="setpriv"/>.
    /// </summary>
    /// <param name="path">The executable, as <see cref="CommandResolver"/> found it.</param>
    /// <param name="command">The command and its arguments, as given.</param>
    /// <param name="setpriv">The path of <c>setpriv</c>; needed only when <see cref="CanSpawnDirectly"/> is false.</param>
    /// <param name="environment">Variables added to baton's environment (or replacing its own), such as <c>BATON_LOCK_NAME</c>.</param>
    /// <param name="execError">When the command could not be executed (a null result): its errno.</param>
    /// <returns>The running command; null when the command file could not be executed (see <paramref name="execError"/>).</returns>
    /// <exception cref="InvalidOperationException">Called from a thread other than the main thread.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The operating system could not create the process.</exception>
    public static RunningCommand? Start(
        string path, IReadOnlyList<string> command, string? setpriv, IReadOnlyList<KeyValuePair<string, string>> environment, out int execError)
    {
        if (Environment.CurrentManagedThreadId != MainThreadId)
        {
            throw new InvalidOperationException(
                "The command must be started on baton's main thread: the parent-death signal is tied to the thread that forks it.");
        }

        execError = 0;
        if (CanSpawnDirectly)
        {
            var argv = new string?[command.Count + 1];
            for (var i = 0; i < command.Count; i++)
            {
                argv[i] = command[i];
            }

            var overrides = new string?[environment.Count + 1];
            for (var i = 0; i < environment.Count; i++)
            {
                overrides[i] = $"{environment[i].Key}={environment[i].Value}";
            }

            var pid = NativeSpawn.Spawn(path, argv, overrides, out var error);
            if (pid < 0)
            {
                throw new System.ComponentModel.Win32Exception(error);
            }

            execError = error;
            return pid == 0 ? null : new RunningCommand.Spawned(pid);
        }

        // With SIGCHLD ignored (inherited from baton's parent) .NET's Process never sees the command end and
        // baton waits for ever; its default action is also "ignore", but leaves the exit status to collect. This
        // runs before the first Process.Start, that is before .NET installs its own SIGCHLD handler.
        if (IsIgnored(NativeMethods.SIGCHLD))
        {
            NativeMethods.SetDefaultAction(NativeMethods.SIGCHLD);
        }

        var startInfo = new ProcessStartInfo(setpriv ?? throw new ArgumentNullException(nameof(setpriv))) { UseShellExecute = false };
        foreach (var argument in (string[])[
            "--pdeathsig", "KILL", "--",
            "/usr/bin/env", "--default-signal=PIPE", "--",
            "/bin/sh", "-c", ParentGuard, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var argument in command)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        return new RunningCommand.Managed(
            Process.Start(startInfo) ?? throw new InvalidOperationException($"Process.Start returned no process for {setpriv}."));
    }

    // Whether this process ignores the signal: the SigIgn mask of /proc/self/status (no sigaction struct to lay out).
    private static bool IsIgnored(int signal)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                var mask = ulong.Parse(line.AsSpan("SigIgn:".Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                return (mask & (1UL << (signal - 1))) != 0;
            }
        }

        return false;
    }
}
