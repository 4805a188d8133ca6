using System.CommandLine;
using System.CommandLine.Invocation;
using Baton.Cli;
using Baton.Cli.Commands.Run;
using Baton.Cli.Shared;

// The main thread starts `run`'s command (see ChildLauncher), so Main is synchronous and every verb's
// action runs on it.
ChildLauncher.MainThreadId = Environment.CurrentManagedThreadId;
var child = ChildCommandLine.Split(args, out var own);
var root = BatonCommand.Create(child);
var parseResult = root.Parse(own);
if (own.Length == 0)
{
    root.Parse(["--help"]).Invoke();
    return ExitCodes.Usage;
}

if (parseResult.Action is ParseErrorAction)
{
    foreach (var error in parseResult.Errors)
    {
        Report.Error(error.Message);
    }

    var verb = parseResult.CommandResult.Command;
    if (verb.Name == "run" && !child.SeparatorSeen)
    {
        Report.Error("put '--' before the command: baton run NAME [options] -- COMMAND [ARGS...]");
    }

    Report.Error($"see 'baton {(verb == root ? string.Empty : verb.Name + " ")}--help'.");
    return ExitCodes.Usage;
}

try
{
    // No termination handling of System.CommandLine: `run` handles SIGINT/SIGTERM/SIGHUP itself.
    return parseResult.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
#pragma warning disable CA1031 // The last resort of a command: report and exit 70 rather than dump a stack trace.
catch (Exception e)
#pragma warning restore CA1031
{
    return Report.Failure(e);
}
