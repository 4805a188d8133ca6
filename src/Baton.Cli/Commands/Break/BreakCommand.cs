using System.CommandLine;
using Baton.Cli.Shared;

namespace Baton.Cli.Commands.Break;

/// <summary>
/// <c>baton break NAME [--backend URL] [--yes]</c> (DESIGN.md rule 13): ends the holds of a lock held by a dead
/// or stuck holder; their lost tokens fire where the backend can signal it, the next holder gets a takeover
/// notice. Asks first on a terminal; without a terminal it needs <c>--yes</c>. A backend that cannot break a
/// live holder (the file backend: the kernel owns the lock) refuses, and baton exits 77.
/// </summary>
internal static class BreakCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The lock to break." };
        var backend = CommonOptions.Backend();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when not on a terminal)." };
        var command = new Command("break", "Break a lock held by a dead or stuck holder: its holds end and the next holder is told (takeover notice).")
        {
            name,
            backend,
            yes,
        };
        command.SetAction(parseResult => Execute(parseResult.GetValue(name)!, CommonOptions.GetBackend(parseResult, backend), parseResult.GetValue(yes)));
        Help.SetExamples(
            command,
            "baton break deploy --backend etcd://10.0.0.5:2379          # shows the holder, asks y/N",
            "baton break deploy --backend redis://10.0.0.5:6379 --yes   # from a script",
            string.Empty,
            "Exit codes: 0 broken (or nobody held it); 1 not confirmed; 64 usage error, or no terminal and no --yes;",
            "69 backend unreachable; 77 the backend refuses (file://: a live holder's lock belongs to the kernel; kill the holder instead).");
        return command;
    }

    private static int Execute(string name, string? backendUrl, bool yes)
    {
        if (!yes && !Terminal.CanAsk)
        {
            Report.Error($"refusing to break '{Terminal.Printable(name)}' without confirmation: not on a terminal, so nobody can be asked. Pass --yes to break it anyway.");
            return ExitCodes.Usage;
        }

        try
        {
            var coordinator = Coordinator.ConnectAsync(backendUrl).AsTask().GetAwaiter().GetResult();
            try
            {
                return Break(coordinator, name, yes);
            }
            catch (NotSupportedException e)
            {
                Report.Error($"cannot break '{Terminal.Printable(name)}' on {coordinator.BackendUrl}: {e.Message}");
                return ExitCodes.Refused;
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

    private static int Break(Coordinator coordinator, string name, bool yes)
    {
        var printable = Terminal.Printable(name);
        if (!yes)
        {
            var locks = coordinator.ListLocksAsync().AsTask().GetAwaiter().GetResult();
            var info = locks.FirstOrDefault(l => l.Kind == LockKind.Lock && string.Equals(l.Name, name, StringComparison.Ordinal));
            if (info is null || info.Holders.Count == 0)
            {
                StandardStreams.Out.WriteLine($"Nobody holds '{printable}'; nothing to break.");
                return ExitCodes.Success;
            }

            foreach (var holder in info.Holders)
            {
                StandardStreams.Error.WriteLine(
                    $"  held {holder.Mode.ToString().ToLowerInvariant()} by {holder.Member} for {DurationParser.Format(info.ObservedAt - holder.Since)}, token {holder.FencingToken}");
            }

            StandardStreams.Error.Write($"Break '{printable}'? Its holder(s) lose the lock. [y/N] ");
            var answer = StandardStreams.In.ReadLine()?.Trim();
            if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
            {
                StandardStreams.Error.WriteLine("Not broken.");
                return ExitCodes.Declined;
            }
        }

        var broken = coordinator.BreakLockAsync(name).AsTask().GetAwaiter().GetResult();
        if (broken.Count == 0)
        {
            StandardStreams.Out.WriteLine($"Nobody held '{printable}'; nothing to break.");
            return ExitCodes.Success;
        }

        foreach (var holder in broken)
        {
            StandardStreams.Out.WriteLine($"Broke '{printable}': {holder.Member} (token {holder.FencingToken}) no longer holds it.");
        }

        return ExitCodes.Success;
    }
}
