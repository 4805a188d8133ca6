using System.Diagnostics;
using System.Globalization;
using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Run;

/// <summary>
/// One <c>baton run</c>: the steps of <see cref="SupervisedCommand"/> under a lock — wait for it (a live status line
/// on a terminal), run the command with <c>BATON_LOCK_NAME</c> and <c>BATON_FENCING_TOKEN</c>, release. The exit code
/// is the command's, or one of <see cref="ExitCodes"/>.
/// </summary>
/// <remarks>
/// An exclusive run takes <see cref="Coordinator.CreateLock"/>, a shared run the read side of
/// <see cref="Coordinator.CreateReaderWriterLock"/>: an exclusive lock is the writer side of the reader-writer
/// lock of the same name, so shared runs overlap each other and exclude exclusive runs (and programs that use
/// either primitive on that name).
/// </remarks>
/// <param name="name">The lock's name.</param>
/// <param name="backendUrl">The backend URL, or null for the default.</param>
/// <param name="shared">Hold shared rather than exclusive.</param>
/// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
/// <param name="verbose">Say when the lock is taken and released.</param>
/// <param name="killAfter">The grace between the SIGTERM of a lost lock and SIGKILL.</param>
/// <param name="child">The command after <c>--</c>.</param>
internal sealed class RunSession(string name, string? backendUrl, bool shared, TimeSpan timeout, bool verbose, TimeSpan killAfter, ChildCommandLine child)
    : SupervisedCommand(backendUrl, child, killAfter)
{
    /// <inheritdoc />
    protected override string Usage => $"baton run {Terminal.Printable(name)} [options] -- COMMAND [ARGS...]";

    /// <summary>DESIGN.md: <c>run</c> exits with the command's exit code, also after a loss (the command got SIGTERM).</summary>
    protected override int? LostExitCode => null;

    /// <inheritdoc />
    protected override async Task<Hold?> AcquireAsync(Coordinator coordinator, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var handle = await WaitShowingHolderAsync(
                coordinator, name, timeout, (wait, token) => TryAcquireAsync(coordinator, wait, token), WaitStatusLine.Style.Lock, cancellationToken)
            .ConfigureAwait(false);
        if (handle is null)
        {
            Report.Error(timeout == TimeSpan.Zero
                ? $"'{Terminal.Printable(name)}' is held; not waiting (--timeout 0)."
                : $"'{Terminal.Printable(name)}' was not acquired within {DurationParser.Format(timeout)}.");
            return null;
        }

        var acquiredAt = Stopwatch.GetTimestamp();
        if (verbose)
        {
            Report.Error($"holding '{Terminal.Printable(name)}' ({(shared ? "shared" : "exclusive")}, fencing token {handle.FencingToken}) "
                + $"on {coordinator.BackendUrl}; waited {DurationParser.Format(Stopwatch.GetElapsedTime(started, acquiredAt))}.");
        }

        if (handle.Takeover is { } takeover)
        {
            Report.Error($"note: the previous holder of '{Terminal.Printable(name)}' did not release cleanly: "
                + $"{takeover.PreviousHolder} (token {takeover.PreviousFencingToken}), {takeover.Reason} at {takeover.EndedAt.ToUniversalTime():u}.");
        }

        return new Hold(
            $"the lock '{Terminal.Printable(name)}'",
            [
                new(CommandEnvironment.LockName, name),
                new(CommandEnvironment.FencingToken, handle.FencingToken.ToString(CultureInfo.InvariantCulture)),
            ],
            () => handle.LossReason,
            async () =>
            {
                await handle.DisposeAsync().ConfigureAwait(false);
                if (verbose)
                {
                    Report.Error($"released '{Terminal.Printable(name)}' after {DurationParser.Format(Stopwatch.GetElapsedTime(acquiredAt))}.");
                }
            },
            handle.LostToken);
    }

    private async Task<LockHandleBase?> TryAcquireAsync(Coordinator coordinator, TimeSpan wait, CancellationToken cancellationToken) =>
        shared
            ? await coordinator.CreateReaderWriterLock(name).TryAcquireReadAsync(wait, cancellationToken).ConfigureAwait(false)
            : await coordinator.CreateLock(name).TryAcquireAsync(wait, cancellationToken).ConfigureAwait(false);
}
