using System.CommandLine;
using System.Globalization;
using Baton.Introspection;
using Baton.Cli.Shared;

namespace Baton.Cli.Commands.Locks;

/// <summary>
/// <c>baton locks [--backend URL] [--json]</c>: every held or awaited lock, semaphore and group, its holders (a group's
/// members) and waiters.
/// </summary>
internal static class LocksCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var backend = CommonOptions.Backend();
        var json = new Option<bool>("--json") { Description = "Print JSON for programs (schema: docs/cli.md) instead of a table." };
        var command = new Command("locks", "List every held or awaited lock, semaphore and group: holders (host, pid, process) since when, fencing tokens, waiters and how long they have waited.")
        {
            backend,
            json,
        };
        command.SetAction(parseResult => Execute(CommonOptions.GetBackend(parseResult, backend), parseResult.GetValue(json)));
        Help.SetExamples(
            command,
            "baton locks                                   # the default backend, as a table",
            "baton locks --backend redis://10.0.0.5:6379   # another backend",
            "baton locks --json | jq '.locks[] | select(.waiters | length > 0) | .name'");
        return command;
    }

    private static int Execute(string? backendUrl, bool json)
    {
        try
        {
            var coordinator = Coordinator.ConnectAsync(backendUrl).AsTask().GetAwaiter().GetResult();
            try
            {
                var locks = coordinator.ListLocksAsync().AsTask().GetAwaiter().GetResult();
                var document = LocksDocument.FromListing(coordinator.BackendUrl, locks, DateTimeOffset.UtcNow);
                if (json)
                {
                    StandardStreams.Out.WriteLine(document.ToJson());
                }
                else
                {
                    WriteTable(document);
                }

                return ExitCodes.Success;
            }
            finally
            {
                coordinator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is ArgumentException or BackendUnavailableException)
        {
            return Report.Failure(e);
        }
    }

    private static void WriteTable(LocksDocument document)
    {
        if (document.Locks.Count == 0)
        {
            StandardStreams.Out.WriteLine($"No lock is held or awaited on {document.Backend}.");
            return;
        }

        string[] header = ["NAME", "KIND", "STATE", "MODE", "TOKEN", "FOR", "SINCE (UTC)", "HOST", "PID", "PROCESS", "ID"];
        var rows = new List<string[]> { header };
        foreach (var entry in document.Locks)
        {
            var kind = entry.Kind == "semaphore" ? $"semaphore/{entry.MaxCount}" : entry.Kind;
            foreach (var holder in entry.Holders)
            {
                rows.Add(Row(entry.Name, kind, "held", holder.Mode, holder.FencingToken.ToString(CultureInfo.InvariantCulture), holder.HeldSeconds, holder.Since, holder.Member));
            }

            foreach (var waiter in entry.Waiters)
            {
                rows.Add(Row(entry.Name, kind, "waiting", waiter.Mode, "-", waiter.WaitedSeconds, waiter.Since, waiter.Member));
            }
        }

        Table.Write(rows);
    }

    private static string[] Row(string name, string kind, string state, string mode, string token, double seconds, DateTimeOffset since, MemberEntry member) =>
    [
        Terminal.Printable(name),
        kind,
        state,
        mode,
        token,
        DurationParser.Format(TimeSpan.FromSeconds(seconds)),
        JsonFields.TableTime(since),
        Terminal.Printable(member.Host),
        member.Pid.ToString(CultureInfo.InvariantCulture),
        Terminal.Printable(member.Process),
        member.Id is null ? "-" : Terminal.Printable(member.Id),
    ];
}
