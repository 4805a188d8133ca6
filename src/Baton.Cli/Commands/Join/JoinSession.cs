using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Join;

/// <summary>
/// One <c>baton join</c>: the steps of <see cref="SupervisedCommand"/> under group membership — join, run the command
/// with the group and member id in its environment, leave when it ends. Lost membership ends the command
/// (<see cref="LossResponse"/>) and baton exits 76; a member id already in the group is exit 75.
/// </summary>
/// <param name="group">The group's name.</param>
/// <param name="backendUrl">The backend URL, or null for the default.</param>
/// <param name="memberId">The member id; null for the library's default (<c>host:pid</c>).</param>
/// <param name="capabilities">The member's capabilities, one JSON value (checked by the parser); null for none.</param>
/// <param name="timeout">How long to wait for an earlier member with the same id to leave; zero refuses at once.</param>
/// <param name="killAfter">The grace between the SIGTERM of lost membership and SIGKILL.</param>
/// <param name="child">The command after <c>--</c>.</param>
internal sealed class JoinSession(
    string group, string? backendUrl, string? memberId, string? capabilities, TimeSpan timeout, TimeSpan killAfter, ChildCommandLine child)
    : SupervisedCommand(backendUrl, child, killAfter)
{
    /// <inheritdoc />
    protected override string Usage => $"baton join {Terminal.Printable(group)} [options] -- COMMAND [ARGS...]";

    /// <summary>The member id is the process's too, so `baton locks` shows it beside every hold of this baton.</summary>
    protected override CoordinatorOptions? Options => memberId is null ? null : new CoordinatorOptions { MemberId = memberId };

    /// <inheritdoc />
    protected override async Task<Hold?> AcquireAsync(Coordinator coordinator, CancellationToken cancellationToken)
    {
        GroupMembership membership;
        try
        {
            membership = await coordinator.CreateGroup(group).JoinAsync(memberId, capabilities, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            // Member ids are unique in a group: another process has this one and did not leave in time.
            Report.Error(Terminal.Printable(e.Message) + (timeout == TimeSpan.Zero
                ? " Give another --id, or --timeout DUR to wait for it to leave."
                : $" It did not leave within {DurationParser.Format(timeout)}."));
            return null;
        }
        catch (TimeoutException e)
        {
            // A member's hold comes at once; only a stalled backend keeps a join waiting past its bound.
            Report.Error(Terminal.Printable(e.Message));
            return null;
        }

        return new Hold(
            $"membership of '{Terminal.Printable(membership.MemberId)}' in '{Terminal.Printable(group)}'",
            [
                new(CommandEnvironment.Group, group),
                new(CommandEnvironment.MemberId, membership.MemberId),
            ],
            () => membership.LossReason,
            membership.LeaveAsync,
            membership.LostToken);
    }
}
