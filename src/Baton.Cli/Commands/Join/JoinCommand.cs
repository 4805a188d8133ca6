using System.CommandLine;
using System.Text.Json;
using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Join;

/// <summary>
/// <c>baton join GROUP [--backend URL] [--id ID] [--capabilities JSON] [--timeout DUR] [--kill-after DUR] -- COMMAND [ARGS…]</c>.
/// </summary>
internal static class JoinCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="child">The command after <c>--</c>, split off before parsing.</param>
    public static Command Create(ChildCommandLine child)
    {
        var group = new Argument<string>("GROUP")
        {
            Description = "The group's name: any non-empty text of at most 1,024 UTF-8 bytes (groups have names of their own, apart from locks).",
        };
        var backend = CommonOptions.Backend();
        var id = CommonOptions.MemberId("The member id, unique within the group. [default: HOST:PID of this baton]");
        var capabilities = Capabilities();
        var timeout = CommonOptions.Duration(
            "--timeout",
            $"How long to wait for an earlier member with the same id to leave before giving up with exit 75: {DurationParser.Syntax}. "
            + "[default: 0, refuse at once]");
        var killAfter = CommonOptions.KillAfter("membership");
        var command = new Command(
            "join",
            "Join GROUP and stay a member while COMMAND runs; leave when it exits, and exit with its exit code. "
            + "Usage: baton join GROUP [options] -- COMMAND [ARGS...]")
        {
            group,
            backend,
            id,
            capabilities,
            timeout,
            killAfter,
        };

        command.SetAction(parseResult => new JoinSession(
            parseResult.GetValue(group)!,
            CommonOptions.GetBackend(parseResult, backend),
            parseResult.GetValue(id),
            parseResult.GetValue(capabilities),
            parseResult.GetValue(timeout) ?? TimeSpan.Zero,
            parseResult.GetValue(killAfter) ?? SupervisedCommand.DefaultKillAfter,
            child).Execute());

        Help.SetExamples(
            command,
            "baton join workers --id worker-1 -- ./worker                  # a member while ./worker runs",
            "baton join workers --capabilities '{\"zone\":\"a\",\"weight\":2}' -- ./worker",
            "baton join workers --id worker-1 --timeout 30s -- ./worker    # wait for a crashed worker-1 to leave",
            string.Empty,
            "The command sees BATON_GROUP and BATON_MEMBER_ID. Lost membership: SIGTERM, then SIGKILL after --kill-after.",
            "Exit codes: the command's own; 75 the member id is taken (after --timeout); 76 membership lost while it ran;",
            "64 usage error (bad --capabilities JSON too); 69 backend unreachable; 126/127 command not executable/not found; 128+N signal N.");
        return command;
    }

    /// <summary><c>--capabilities JSON</c>: one JSON value of at most 1,024 UTF-8 bytes, checked before anything connects.</summary>
    private static Option<string?> Capabilities()
    {
        var option = new Option<string?>("--capabilities")
        {
            Description = $"What this member offers, as one JSON value of at most {MemberIdentity.MaxCapabilitiesBytes} bytes "
                + "(a \"weight\" number weighs it on hash rings); `baton members` shows it. [default: none]",
            HelpName = "JSON",
        };
        option.Validators.Add(result =>
        {
            var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
            if (bytes > MemberIdentity.MaxCapabilitiesBytes)
            {
                result.AddError($"--capabilities: at most {MemberIdentity.MaxCapabilitiesBytes} bytes of JSON; this has {bytes}.");
                return;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                result.AddError($"--capabilities: not JSON ({e.Message.TrimEnd('.')}). Give one JSON value, such as '{{\"zone\":\"a\"}}' "
                    + "(single quotes keep the shell off it).");
            }
        });
        return option;
    }
}
