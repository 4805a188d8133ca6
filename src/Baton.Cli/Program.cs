using System.CommandLine;
using System.CommandLine.Invocation;
using Baton.Cli;
using Baton.Cli.Commands.Run;
using Baton.Cli.Supervision;
using Baton.Cli.Shared;

// The main thread starts `run`'s command (see ChildLauncher), so Main is synchronous and every verb's
// action runs on it.
ChildLauncher.MainThreadId = Environment.CurrentManagedThreadId;
var child = ChildCommandLine.Split(args, out var own);
NetworkHandOff.ExecIfNeeded(args, own);
NetworkHandOff.KeepTheNameBaton();
BackendPackages.Register();
if (RunFastPath.TryRead(own, child) is { } run)
{
    try
    {
        return run.Execute();
    }
#pragma warning disable CA1031 // The last resort of a command: report and exit 70 rather than dump a stack trace.
    catch (Exception e)
#pragma warning restore CA1031
    {
        return Report.Failure(e);
    }
}

var root = BatonCommand.Create(child);
// No response files: a lock name may start with '@' (DESIGN rule 9: any non-empty string).
var parseResult = root.Parse(own, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (own.Length == 0)
{
    root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = StandardStreams.Out, Error = StandardStreams.Error });
    return ExitCodes.Usage;
}

if (parseResult.Action is ParseErrorAction)
{
    foreach (var error in parseResult.Errors)
    {
        Report.Error(RedactUrls(error.Message, own));
    }

    var verb = parseResult.CommandResult.Command;
    if (ChildCommandLine.VerbsWithCommand.Contains(verb.Name) && !child.SeparatorSeen)
    {
        Report.Error($"put '--' before the command: baton {verb.Name} {verb.Arguments.FirstOrDefault()?.Name ?? "NAME"} [options] -- COMMAND [ARGS...]");
    }

    Report.Error($"see 'baton {(verb == root ? string.Empty : verb.Name + " ")}--help'.");
    return ExitCodes.Usage;
}

try
{
    // No termination handling of System.CommandLine: `run` handles SIGINT/SIGTERM/SIGHUP itself.
    return parseResult.Invoke(new InvocationConfiguration
    {
        ProcessTerminationTimeout = null,
        EnableDefaultExceptionHandler = false,
        Output = StandardStreams.Out,
        Error = StandardStreams.Error,
    });
}
#pragma warning disable CA1031 // The last resort of a command: report and exit 70 rather than dump a stack trace.
catch (Exception e)
#pragma warning restore CA1031
{
    return Report.Failure(e);
}

// A parse error quotes the arguments it could not place, and a URL given without --backend may carry a password.
static string RedactUrls(string message, string[] arguments)
{
    foreach (var argument in arguments)
    {
        if (argument.Contains("://", StringComparison.Ordinal))
        {
            message = message.Replace(argument, Baton.Backends.BackendUrl.Redact(argument), StringComparison.Ordinal);
        }
    }

    return message;
}
