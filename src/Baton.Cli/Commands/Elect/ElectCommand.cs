using System.CommandLine;
using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Elect;

/// <summary><c>baton elect ELECTION [--backend URL] [--id ID] [--timeout DUR] [--kill-after DUR] -- COMMAND [ARGS…]</c>.</summary>
internal static class ElectCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="child">The command after <c>--</c>, split off before parsing.</param>
    public static Command Create(ChildCommandLine child)
    {
        var election = new Argument<string>("ELECTION")
        {
            Description = "The election's name: any non-empty text of at most 1,024 UTF-8 bytes (it is the exclusive lock of that name).",
        };
        var backend = CommonOptions.Backend();
        var id = CommonOptions.MemberId("The candidate's member id, which `baton leader` shows. [default: none]");
        var timeout = CommonOptions.Duration(
            "--timeout",
            $"How long to campaign before giving up with exit 75: {DurationParser.Syntax}; 0 tries once. [default: wait forever]");
        var killAfter = CommonOptions.KillAfter("leadership");
        var command = new Command(
            "elect",
            "Campaign in ELECTION and run COMMAND only while leader; resign when it exits, and exit with its exit code. "
            + "Usage: baton elect ELECTION [options] -- COMMAND [ARGS...]")
        {
            election,
            backend,
            id,
            timeout,
            killAfter,
        };

        command.SetAction(parseResult => new ElectSession(
            parseResult.GetValue(election)!,
            CommonOptions.GetBackend(parseResult, backend),
            parseResult.GetValue(id),
            parseResult.GetValue(timeout) ?? Timeout.InfiniteTimeSpan,
            parseResult.GetValue(killAfter) ?? SupervisedCommand.DefaultKillAfter,
            child).Execute());

        Help.SetExamples(
            command,
            "baton elect scheduler --id node-a -- ./scheduler     # one scheduler at a time; the others wait to take over",
            "baton elect scheduler --timeout 0 -- ./scheduler     # lead now or exit 75",
            "baton elect janitor --backend etcd://10.0.0.5:2379 -- ./janitor.sh   # across machines",
            string.Empty,
            "The command sees BATON_ELECTION and BATON_TERM (its term, a fencing token larger than every earlier leader's;",
            "also as BATON_LOCK_NAME and BATON_FENCING_TOKEN). Lost leadership: SIGTERM, then SIGKILL after --kill-after.",
            "Exit codes: the command's own; 75 not elected in time; 76 leadership lost while it ran; 64 usage error;",
            "69 backend unreachable; 126/127 command not executable/not found; 128+N signal N.");
        return command;
    }
}
