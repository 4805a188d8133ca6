using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Backends;
using Baton.Cli.Shared;
using Baton.Introspection;

namespace Baton.Cli.Commands.Leader;

/// <summary>
/// <c>baton leader ELECTION [--backend URL] [--watch] [--json]</c>: who leads (id, host, pid, process, term, since when),
/// exit 1 when nobody does; with <c>--watch</c>, the leader now and then each change, one line each, until a signal.
/// </summary>
internal static class LeaderCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var election = new Argument<string>("ELECTION") { Description = "The election's name (the exclusive lock of that name)." };
        var backend = CommonOptions.Backend();
        var watch = new Option<bool>("--watch", "-w") { Description = "Print the leader now, then each change on a line of its own, until SIGINT/SIGTERM." };
        var json = new Option<bool>("--json") { Description = "Print JSON for programs (schema: docs/cli.md); with --watch, one document per line." };
        var command = new Command("leader", "Show who leads ELECTION (member id, host, pid, process, term, since when); exit 1 when nobody leads.")
        {
            election,
            backend,
            watch,
            json,
        };
        command.SetAction(parseResult => Execute(
            parseResult.GetValue(election)!, CommonOptions.GetBackend(parseResult, backend), parseResult.GetValue(watch), parseResult.GetValue(json)));
        Help.SetExamples(
            command,
            "baton leader scheduler                          # who leads, as a table; exit 1 when nobody does",
            "baton leader scheduler --json | jq -r '.leader.member.id // empty'",
            "baton leader scheduler --watch                  # each change of leader, one line each, until Ctrl-C",
            "baton leader scheduler --watch --json           # the same as JSON Lines",
            string.Empty,
            "Exit codes: 0 somebody leads; 1 nobody leads; 64 usage error; 69 backend unreachable;",
            "--watch: 128+N when ended by signal N (130 Ctrl-C, 143 SIGTERM), 141 when its output was closed.");
        return command;
    }

    private static int Execute(string name, string? backendUrl, bool watch, bool json) =>
        ObservingSession.Run(backendUrl, async (coordinator, cancellationToken) =>
        {
            var election = coordinator.CreateElection(name);
            var backend = BackendUrl.Redact(coordinator.BackendUrl);
            if (!watch)
            {
                var document = ToDocument(backend, name, await election.GetLeaderAsync(cancellationToken).ConfigureAwait(false), DateTimeOffset.UtcNow);
                if (json)
                {
                    StandardStreams.Out.WriteLine(JsonSerializer.Serialize(document, LeaderJsonContext.Default.LeaderDocument));
                }
                else
                {
                    WriteTable(document);
                }

                return document.Leader is null ? ExitCodes.NobodyLeads : ExitCodes.Success;
            }

            await foreach (var leader in election.WatchLeaderAsync(cancellationToken).ConfigureAwait(false))
            {
                var document = ToDocument(backend, name, leader, DateTimeOffset.UtcNow);
                StandardStreams.Out.WriteLine(json ? JsonSerializer.Serialize(document, LeaderLinesJsonContext.Default.LeaderDocument) : Line(document));
                if (StandardStreams.OutputClosed)
                {
                    return ExitCodes.OutputClosed;
                }
            }

            return ExitCodes.Success; // Not reached: a watch ends by cancellation.
        });

    /// <summary>The reading in the JSON schema's shape (also the source of the table and the lines).</summary>
    /// <param name="backend">The backend URL, password hidden.</param>
    /// <param name="election">The election's name.</param>
    /// <param name="leader">The leader, or null.</param>
    /// <param name="now">When it was read.</param>
    internal static LeaderDocument ToDocument(string backend, string election, LeaderInfo? leader, DateTimeOffset now) =>
        new(
            1,
            backend,
            election,
            now,
            leader is null ? null : new LeaderEntry(leader.Term, leader.Since.ToUniversalTime(), JsonFields.Seconds(now - leader.Since), MemberEntry.From(leader.Leader)));

    private static void WriteTable(LeaderDocument document)
    {
        if (document.Leader is not { } leader)
        {
            StandardStreams.Out.WriteLine($"Nobody leads '{Terminal.Printable(document.Election)}' on {document.Backend}.");
            return;
        }

        var member = leader.Member;
        Table.Write(
        [
            ["ELECTION", "TERM", "FOR", "SINCE (UTC)", "HOST", "PID", "PROCESS", "ID"],
            [
                Terminal.Printable(document.Election),
                leader.Term.ToString(CultureInfo.InvariantCulture),
                DurationParser.Format(TimeSpan.FromSeconds(leader.LedSeconds)),
                JsonFields.TableTime(leader.Since),
                Terminal.Printable(member.Host),
                member.Pid.ToString(CultureInfo.InvariantCulture),
                Terminal.Printable(member.Process),
                member.Id is null ? "-" : Terminal.Printable(member.Id),
            ],
        ]);
    }

    // One change, for a person: `2026-11-25 19:17:43  'scheduler' led by node-a (build-7 pid 8685, baton), term 1795…, since 19:15:30`.
    private static string Line(LeaderDocument document)
    {
        var at = JsonFields.TableTime(document.ObservedAt);
        var election = Terminal.Printable(document.Election);
        if (document.Leader is not { } leader)
        {
            return $"{at}  '{election}': nobody leads";
        }

        var member = leader.Member;
        var place = $"{Terminal.Printable(member.Host)} pid {member.Pid}";
        var who = member.Id is null
            ? $"{place} ({Terminal.Printable(member.Process)})"
            : $"{Terminal.Printable(member.Id)} ({place}, {Terminal.Printable(member.Process)})";
        return $"{at}  '{election}' led by {who}, term {leader.Term}, since {JsonFields.TableTime(leader.Since)}";
    }
}
