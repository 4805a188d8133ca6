using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>
/// Finds the command before the lock is taken, the way a shell does (a name with a <c>/</c> is a path,
/// anything else is searched in <c>PATH</c>), so a typo fails at once with 127 (not found) or 126 (not
/// executable) instead of after waiting for the lock. The path found is the one executed (the command's
/// <c>argv[0]</c> stays as given, as under a shell).
/// </summary>
internal static class CommandResolver
{
    private const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>Returns <see cref="ExitCodes.Success"/> when the command can be executed, or 127/126 with a message.</summary>
    /// <param name="command">The command as given (<c>ARGV[0]</c>).</param>
    /// <param name="path">The executable found: the command itself when it contains a <c>/</c>, else the first match in <c>PATH</c>.</param>
    /// <param name="message">Why it cannot run, for the operator.</param>
    public static int Check(string command, out string path, out string? message)
    {
        message = null;
        path = command;
        if (command.Length == 0)
        {
            message = "the command is empty.";
            return ExitCodes.CommandNotFound;
        }

        if (command.Contains('/', StringComparison.Ordinal))
        {
            return CheckPath(command, command, out message);
        }

        var searchPath = Environment.GetEnvironmentVariable("PATH");
        var sawNotExecutable = false;
        foreach (var directory in (string.IsNullOrEmpty(searchPath) ? DefaultPath : searchPath).Split(':'))
        {
            var candidate = Path.Combine(directory.Length == 0 ? "." : directory, command);
            if (!File.Exists(candidate))
            {
                continue;
            }

            if (NativeMethods.Access(candidate, NativeMethods.X_OK) == 0)
            {
                path = candidate;
                return ExitCodes.Success;
            }

            sawNotExecutable = true;
        }

        message = sawNotExecutable ? $"{command}: permission denied (found in PATH, but not executable)." : $"{command}: command not found.";
        return sawNotExecutable ? ExitCodes.CommandNotExecutable : ExitCodes.CommandNotFound;
    }

    private static int CheckPath(string command, string path, out string? message)
    {
        message = null;
        if (Directory.Exists(path))
        {
            message = $"{command}: is a directory.";
            return ExitCodes.CommandNotExecutable;
        }

        if (!File.Exists(path))
        {
            message = $"{command}: no such file.";
            return ExitCodes.CommandNotFound;
        }

        if (NativeMethods.Access(path, NativeMethods.X_OK) != 0)
        {
            message = $"{command}: permission denied (not executable).";
            return ExitCodes.CommandNotExecutable;
        }

        return ExitCodes.Success;
    }
}
