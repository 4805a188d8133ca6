using System.Globalization;
using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Elect;

/// <summary>
/// One <c>baton elect</c>: the steps of <see cref="SupervisedCommand"/> under leadership — campaign (a live status line
/// on a terminal says who leads), run the command with the election and term in its environment, resign when it ends.
/// Lost leadership ends the command (<see cref="LossResponse"/>) and baton exits 76.
/// </summary>
/// <param name="election">The election's name.</param>
/// <param name="backendUrl">The backend URL, or null for the default.</param>
/// <param name="memberId">The candidate's member id, shown by <c>baton leader</c>; null for none.</param>
/// <param name="timeout">How long to campaign; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
/// <param name="killAfter">The grace between the SIGTERM of lost leadership and SIGKILL.</param>
/// <param name="child">The command after <c>--</c>.</param>
internal sealed class ElectSession(string election, string? backendUrl, string? memberId, TimeSpan timeout, TimeSpan killAfter, ChildCommandLine child)
    : SupervisedCommand(backendUrl, child, killAfter)
{
    /// <inheritdoc />
    protected override string Usage => $"baton elect {Terminal.Printable(election)} [options] -- COMMAND [ARGS...]";

    /// <inheritdoc />
    protected override CoordinatorOptions? Options => memberId is null ? null : new CoordinatorOptions { MemberId = memberId };

    /// <inheritdoc />
    protected override async Task<Hold?> AcquireAsync(Coordinator coordinator, CancellationToken cancellationToken)
    {
        var candidate = coordinator.CreateElection(election);
        var leadership = await WaitShowingHolderAsync(
            coordinator,
            election,
            timeout,
            async (wait, token) => await candidate.TryCampaignAsync(wait, token).ConfigureAwait(false),
            WaitStatusLine.Style.Election,
            cancellationToken).ConfigureAwait(false);
        var printable = Terminal.Printable(election);
        if (leadership is null)
        {
            Report.Error(timeout == TimeSpan.Zero
                ? $"'{printable}' has another leader; not waiting (--timeout 0)."
                : $"not elected leader of '{printable}' within {DurationParser.Format(timeout)}.");
            return null;
        }

        if (leadership.Takeover is { } takeover)
        {
            Report.Error($"note: the previous leader of '{printable}' did not resign cleanly: "
                + $"{takeover.PreviousHolder} (term {takeover.PreviousFencingToken}), {takeover.Reason} at {takeover.EndedAt.ToUniversalTime():u}.");
        }

        var term = leadership.Term.ToString(CultureInfo.InvariantCulture);
        return new Hold(
            $"leadership of '{printable}'",
            [
                new(CommandEnvironment.Election, election),
                new(CommandEnvironment.Term, term),
                new(CommandEnvironment.LockName, election),
                new(CommandEnvironment.FencingToken, term),
            ],
            () => leadership.LossReason,
            leadership.ResignAsync,
            leadership.LostToken);
    }
}
