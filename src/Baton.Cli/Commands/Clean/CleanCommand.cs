using System.CommandLine;
using Baton.Cli.Shared;

namespace Baton.Cli.Commands.Clean;

/// <summary>
/// <c>baton clean [--backend URL] [--older-than DUR] [--dry-run]</c>: removes leftover lock files that nobody
/// holds or waits on, through <see cref="Coordinator.CleanAsync"/> (lock, re-check, delete), and says what it
/// removed. A backend that keeps no leftovers refuses with its own message and exit 64: the verb does not
/// apply to it.
/// </summary>
internal static class CleanCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var backend = CommonOptions.Backend();
        var olderThan = CommonOptions.Duration(
            "--older-than",
            $"Only files last modified at least this long ago: {DurationParser.Syntax}. [default: 0, every leftover]");
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only list what would be removed." };
        var command = new Command("clean", "Remove leftover lock files that nobody holds or waits on (crashed holders', kept layouts'); never a held file.")
        {
            backend,
            olderThan,
            dryRun,
        };
        command.SetAction(parseResult => Execute(
            CommonOptions.GetBackend(parseResult, backend), parseResult.GetValue(olderThan), parseResult.GetValue(dryRun)));
        Help.SetExamples(
            command,
            "baton clean --dry-run                                    # what would go, in the default directory",
            "baton clean --older-than 1h                              # leftovers untouched for an hour",
            "baton clean --backend 'file:///var/lib/nova/tmp?layout=oslo&prefix=nova-'",
            string.Empty,
            "Exit codes: 0 done (also when nothing was left over); 64 usage error, or the backend keeps no leftovers; 69 backend unreachable.");
        return command;
    }

    private static int Execute(string? backendUrl, TimeSpan? olderThan, bool dryRun)
    {
        try
        {
            var coordinator = Coordinator.ConnectAsync(backendUrl).AsTask().GetAwaiter().GetResult();
            try
            {
                var files = coordinator.CleanAsync(olderThan, dryRun).AsTask().GetAwaiter().GetResult();
                Print(files, dryRun, coordinator.BackendUrl.ToString());
                return ExitCodes.Success;
            }
            catch (NotSupportedException e)
            {
                Report.Error($"clean does not apply to {coordinator.BackendUrl}: {e.Message}");
                return ExitCodes.Usage;
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

    /// <summary>
    /// One line per file (<c>removed</c>, <c>would remove</c>, or <c>skipped</c> with the reason it was left in
    /// place), then a summary. Paths and names go through <see cref="Terminal.Printable"/>: a planted file name
    /// must not move the cursor.
    /// </summary>
    private static void Print(IReadOnlyList<CleanedLockFile> files, bool dryRun, string backendUrl)
    {
        foreach (var file in files)
        {
            var path = Terminal.Printable(file.Path);
            var name = file.Name is null ? string.Empty : $" (lock '{Terminal.Printable(file.Name)}')";
            StandardStreams.Out.WriteLine(file.SkipReason is { } reason
                ? $"skipped {path}{name}: {reason}"
                : $"{(file.Removed ? "removed" : "would remove")} {path}{name}, {file.SizeBytes} B, {DurationParser.Format(file.Age)} old");
        }

        var leftovers = files.Count(static f => !f.Skipped);
        var skipped = files.Count - leftovers;
        var summary = leftovers switch
        {
            0 => $"Nothing to clean on {backendUrl}.",
            _ when dryRun => $"{leftovers} file(s) would be removed (dry run: nothing removed).",
            _ => $"{leftovers} file(s) removed.",
        };
        StandardStreams.Out.WriteLine(skipped == 0 ? summary : $"{summary} {skipped} other entr{(skipped == 1 ? "y" : "ies")} left in place (skipped, above).");
    }
}
