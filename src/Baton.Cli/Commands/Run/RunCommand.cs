using System.CommandLine;
using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Run;

/// <summary><c>baton run NAME [--backend URL] [--shared] [--timeout DUR] -- COMMAND [ARGS…]</c>.</summary>
internal static class RunCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="child">The command after <c>--</c>, split off before parsing.</param>
    public static Command Create(ChildCommandLine child)
    {
        var name = new Argument<string>("NAME") { Description = "The lock's name: any non-empty text of at most 1,024 UTF-8 bytes." };
        var backend = CommonOptions.Backend();
        var shared = new Option<bool>("--shared", "-s")
        {
            Description = "Hold the lock shared (a reader): shared runs of NAME overlap each other, never an exclusive run of NAME.",
        };
        var timeout = CommonOptions.Duration(
            "--timeout",
            $"How long to wait for the lock before giving up with exit 75: {DurationParser.Syntax}; 0 tries once. [default: wait forever]");

        var killAfter = CommonOptions.KillAfter("the lock");
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Say on standard error when the lock is taken (fencing token, how long it waited) and when it is released.",
        };

        var command = new Command("run", "Run COMMAND while holding the lock NAME; exit with COMMAND's exit code. Usage: baton run NAME [options] -- COMMAND [ARGS...]")
        {
            name,
            backend,
            shared,
            timeout,
            killAfter,
            verbose,
        };

        command.SetAction(parseResult => new RunSession(
            parseResult.GetValue(name)!,
            CommonOptions.GetBackend(parseResult, backend),
            parseResult.GetValue(shared),
            parseResult.GetValue(timeout) ?? Timeout.InfiniteTimeSpan,
            parseResult.GetValue(verbose),
            parseResult.GetValue(killAfter) ?? SupervisedCommand.DefaultKillAfter,
            child).Execute());

        Help.SetExamples(
            command,
            "baton run nightly-report -- ./report.sh --full   # one at a time; waits for the previous run",
            "baton run backup --timeout 0 -- ./backup.sh      # skip (exit 75) when a backup is still running",
            "baton run db-migrate --timeout 30s -- ./migrate  # wait at most 30 s",
            "baton run cache --shared -- ./read-cache         # readers overlap; an exclusive run waits for them",
            "baton run -v demo -- echo hello                 # say when the lock is taken and released",
            "baton run deploy --backend etcd://10.0.0.5:2379 -- ./deploy.sh   # one deploy across machines",
            string.Empty,
            "The command sees BATON_LOCK_NAME and BATON_FENCING_TOKEN. Exit codes: the command's own; 75 not acquired",
            "in time; 64 usage error; 69 backend unreachable; 126/127 command not executable/not found; 128+N signal N.");
        return command;
    }
}
