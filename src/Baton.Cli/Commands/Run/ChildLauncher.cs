using System.Diagnostics;
using Baton.Cli.Shared;

namespace Baton.Cli.Commands.Run;

/// <summary>
/// Starts the command so that it cannot outlive baton: through util-linux
/// <c>setpriv --pdeathsig KILL -- COMMAND ARGS…</c>, which sets PR_SET_PDEATHSIG and then executes the command
/// in place (same process id). If baton is killed, even with <c>kill -9</c>, the kernel sends the command
/// SIGKILL, and the backend's crash-release rule frees the lock: the command never goes on unprotected.
/// </summary>
/// <remarks>
/// <para>
/// The chain is <c>setpriv --pdeathsig KILL -- /usr/bin/env --default-signal=PIPE -- sh -c GUARD BATONPID COMMAND ARGS…</c>,
/// each step executing the next in place:
/// <list type="bullet">
/// <item><c>env --default-signal=PIPE</c> (coreutils): the .NET runtime ignores SIGPIPE, and an ignored signal
/// stays ignored across exec; a command must die of SIGPIPE as under a shell (<c>yes | head -1</c>), or a
/// pipeline could loop for ever while baton holds the lock.</item>
/// <item>the guard (<c>[ "$PPID" = BATONPID ] || exit 137; exec "$@"</c>): if baton is killed after the fork but
/// before setpriv has set the death signal, nothing would kill the command; the guard runs after it is set and
/// refuses to start the command once baton is gone.</item>
/// </list>
/// </para>
/// PR_SET_PDEATHSIG fires when the <em>thread</em> that forked the child exits, not the process. .NET forks
/// on the thread that calls <see cref="Process.Start(ProcessStartInfo)"/>; a thread-pool thread can be
/// retired after a while idle, which would kill the command in the middle of its run. So the command is
/// started on the main thread, which lives exactly as long as baton (<see cref="MainThreadId"/> checks it).
/// The death signal reaches the command itself, not processes it starts in turn (a shell script should
/// <c>exec</c> its last command, or pass signals on); and the kernel clears it when the command executes a
/// set-user-id program.
/// </remarks>
internal static class ChildLauncher
{
    /// <summary>The environment variable that carries the lock's name to the command.</summary>
    public const string LockNameVariable = "BATON_LOCK_NAME";

    /// <summary>The environment variable that carries the fencing token (decimal) to the command.</summary>
    public const string FencingTokenVariable = "BATON_FENCING_TOKEN";

    private static readonly string[] WellKnownSetpriv = ["/usr/bin/setpriv", "/bin/setpriv"];

    // $0 is baton's pid: the command starts only while baton is still the parent (see the remarks).
    private const string ParentGuard = "[ \"$PPID\" = \"$0\" ] || exit 137; exec \"$@\"";

    /// <summary>The managed id of the thread that runs <c>Main</c>; set by <c>Program</c> first thing.</summary>
    public static int MainThreadId { get; set; }

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

    /// <summary>Starts the command with standard input, output and error inherited and the lock in its environment.</summary>
    /// <param name="setpriv">The path of <c>setpriv</c>.</param>
    /// <param name="command">The command and its arguments.</param>
    /// <param name="lockName">The lock held.</param>
    /// <param name="fencingToken">Its fencing token.</param>
    /// <exception cref="InvalidOperationException">Called from a thread other than the main thread.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The operating system could not start it.</exception>
    public static Process Start(string setpriv, IReadOnlyList<string> command, string lockName, long fencingToken)
    {
        if (Environment.CurrentManagedThreadId != MainThreadId)
        {
            throw new InvalidOperationException(
                "The command must be started on baton's main thread: the parent-death signal is tied to the thread that forks it.");
        }

        var startInfo = new ProcessStartInfo(setpriv) { UseShellExecute = false };
        foreach (var argument in (string[])[
            "--pdeathsig", "KILL", "--",
            "/usr/bin/env", "--default-signal=PIPE", "--",
            "/bin/sh", "-c", ParentGuard, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var argument in command)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment[LockNameVariable] = lockName;
        startInfo.Environment[FencingTokenVariable] = fencingToken.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Process.Start(startInfo) ?? throw new InvalidOperationException($"Process.Start returned no process for {setpriv}.");
    }
}
