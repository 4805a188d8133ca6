using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Backends;
using Baton.Cli.Shared;
using Baton.Introspection;

namespace Baton.Cli.Commands.Members;

/// <summary>
/// <c>baton members GROUP [--backend URL] [--watch] [--json]</c>: the members of a group (id, host, pid, process, since
/// when, capabilities); with <c>--watch</c>, each member now and then each join and leave, one line each, until a signal.
/// </summary>
internal static class MembersCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var group = new Argument<string>("GROUP") { Description = "The group's name." };
        var backend = CommonOptions.Backend();
        var watch = new Option<bool>("--watch", "-w")
        {
            Description = "Print a 'joined' line for each member now, then a line for each join and leave, until SIGINT/SIGTERM.",
        };
        var json = new Option<bool>("--json") { Description = "Print JSON for programs (schema: docs/cli.md); with --watch, one object per line." };
        var command = new Command("members", "List the members of GROUP: member id, host, pid, process, since when, capabilities.")
        {
            group,
            backend,
            watch,
            json,
        };
        command.SetAction(parseResult => Execute(
            parseResult.GetValue(group)!, CommonOptions.GetBackend(parseResult, backend), parseResult.GetValue(watch), parseResult.GetValue(json)));
        Help.SetExamples(
            command,
            "baton members workers                              # as a table",
            "baton members workers --json | jq -r '.members[].id'",
            "baton members workers --watch                      # joins and leaves as they happen, until Ctrl-C",
            "baton members workers --watch --json               # the same as JSON Lines",
            string.Empty,
            "Exit codes: 0 done (also for an empty group); 64 usage error; 69 backend unreachable;",
            "--watch: 128+N when ended by signal N (130 Ctrl-C, 143 SIGTERM), 141 when its output was closed.");
        return command;
    }

    private static int Execute(string name, string? backendUrl, bool watch, bool json) =>
        ObservingSession.Run(backendUrl, async (coordinator, cancellationToken) =>
        {
            var group = coordinator.CreateGroup(name);
            var backend = BackendUrl.Redact(coordinator.BackendUrl);
            if (!watch)
            {
                var now = DateTimeOffset.UtcNow;
                var members = await group.GetMembersAsync(cancellationToken).ConfigureAwait(false);
                var document = new MembersDocument(1, backend, name, now, [.. members.Select(m => Record(m, now))]);
                if (json)
                {
                    StandardStreams.Out.WriteLine(JsonSerializer.Serialize(document, MembersJsonContext.Default.MembersDocument));
                }
                else
                {
                    WriteTable(document);
                }

                return ExitCodes.Success;
            }

            await foreach (var change in group.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = DateTimeOffset.UtcNow;
                var record = Record(change.Member, now);
                var what = change.Kind == GroupChangeKind.Joined ? "joined" : "left";
                StandardStreams.Out.WriteLine(json
                    ? JsonSerializer.Serialize(
                        new MemberEventLine(1, what, name, now, record.Id, record.Token, record.JoinedAt, record.MemberSeconds, record.Capabilities, record.Member),
                        MemberEventsJsonContext.Default.MemberEventLine)
                    : Line(what, now, record));
                if (StandardStreams.OutputClosed)
                {
                    return ExitCodes.OutputClosed;
                }
            }

            return ExitCodes.Success; // Not reached: a watch ends by cancellation.
        });

    /// <summary>A member in the JSON schema's shape (also the source of the table and the lines).</summary>
    /// <param name="member">The member.</param>
    /// <param name="now">When it was read.</param>
    internal static MemberRecord Record(GroupMember member, DateTimeOffset now) =>
        new(
            member.Id,
            member.Token,
            member.JoinedAt.ToUniversalTime(),
            JsonFields.Seconds(now - member.JoinedAt),
            Capabilities(member.Capabilities),
            MemberEntry.From(member.Process with { CustomId = member.Id }));

    // The library keeps capabilities as JSON text; the document carries them as JSON. Text that is not JSON (written by
    // something other than Baton) is carried as a JSON string rather than failing the listing.
    private static JsonElement? Capabilities(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text, MemberEventsJsonContext.Default.String);
        }
    }

    private static void WriteTable(MembersDocument document)
    {
        if (document.Members.Count == 0)
        {
            StandardStreams.Out.WriteLine($"No member in group '{Terminal.Printable(document.Group)}' on {document.Backend}.");
            return;
        }

        string[] header = ["ID", "FOR", "JOINED (UTC)", "HOST", "PID", "PROCESS", "CAPABILITIES"];
        var rows = new List<string[]> { header };
        foreach (var member in document.Members)
        {
            rows.Add(
            [
                Terminal.Printable(member.Id),
                DurationParser.Format(TimeSpan.FromSeconds(member.MemberSeconds)),
                JsonFields.TableTime(member.JoinedAt),
                Terminal.Printable(member.Member.Host),
                member.Member.Pid.ToString(CultureInfo.InvariantCulture),
                Terminal.Printable(member.Member.Process),
                CapabilitiesText(member.Capabilities),
            ]);
        }

        Table.Write(rows);
    }

    // One change, for a person: `2026-11-25 19:17:43  joined  worker-1  build-7 pid 8685 (baton)  {"zone":"a"}`.
    private static string Line(string what, DateTimeOffset at, MemberRecord member) =>
        $"{JsonFields.TableTime(at)}  {what,-6}  {Terminal.Printable(member.Id)}  {Terminal.Printable(member.Member.Host)} pid {member.Member.Pid} "
        + $"({Terminal.Printable(member.Member.Process)})  {CapabilitiesText(member.Capabilities)}";

    // Compact JSON on one line (a value given with spaces or new lines is shown without them); "-" for none.
    private static string CapabilitiesText(JsonElement? capabilities) =>
        capabilities is { } value ? Terminal.Printable(JsonSerializer.Serialize(value, MemberEventsJsonContext.Default.JsonElement)) : "-";
}
