using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>
/// A verb that runs a command while it holds something: <c>run</c> (a lock), <c>elect</c> (leadership), <c>join</c>
/// (membership). The steps are the same for all three: check the command, connect, wait for the hold (SIGINT,
/// SIGTERM or SIGHUP stops the wait: exit 128 + N), start the command on the main thread with the hold in its
/// environment, pass signals on to it, end it when the hold is lost (<see cref="LossResponse"/>), wait for it, give
/// the hold up. Every path out gives the hold up and closes the session.
/// </summary>
/// <remarks>
/// <see cref="Execute"/> blocks the main thread on purpose: the command's parent-death signal is tied to the thread
/// that starts it (see <see cref="ChildLauncher"/>).
/// </remarks>
/// <param name="backendUrl">The backend URL, or null for the default.</param>
/// <param name="child">The command after <c>--</c>.</param>
/// <param name="killAfter">How long the command has to exit after the SIGTERM of a loss before it gets SIGKILL.</param>
internal abstract class SupervisedCommand(string? backendUrl, ChildCommandLine child, TimeSpan killAfter)
{
    /// <summary>The default of <c>--kill-after</c>: long enough to finish a write and exit, short enough not to overlap a successor for long.</summary>
    public static readonly TimeSpan DefaultKillAfter = TimeSpan.FromSeconds(10);

    /// <summary>The verb's usage line for messages, such as <c>baton run NAME [options] -- COMMAND [ARGS...]</c>.</summary>
    protected abstract string Usage { get; }

    /// <summary>The coordinator's options (a member id); null for the defaults.</summary>
    protected virtual CoordinatorOptions? Options => null;

    /// <summary>
    /// The exit code when the hold was lost while the command ran, whatever the command's own; null to exit with the
    /// command's code (<c>run</c>, whose contract is "exits with COMMAND's exit code").
    /// </summary>
    protected virtual int? LostExitCode => ExitCodes.Lost;

    /// <summary>Runs it; returns the exit code.</summary>
    public int Execute()
    {
        if (!child.SeparatorSeen)
        {
            Report.Error($"missing '--' before the command: {Usage}");
            return ExitCodes.Usage;
        }

        if (child.Arguments.Count == 0)
        {
            Report.Error($"missing the command after '--': {Usage}");
            return ExitCodes.Usage;
        }

        var found = CommandResolver.Check(child.Arguments[0], out var path, out var notFound);
        if (found != ExitCodes.Success)
        {
            Report.Error(notFound!);
            return found;
        }

        string? setpriv = null;
        if (!ChildLauncher.CanSpawnDirectly && (setpriv = ChildLauncher.FindSetpriv()) is null)
        {
            Report.Error(
                "cannot find util-linux 'setpriv' (in PATH, /usr/bin or /bin). This baton was built without its native "
                + "helper (no C compiler), so it runs the command through 'setpriv --pdeathsig KILL' so that it dies with "
                + "baton and never runs unprotected; install util-linux, or rebuild baton where 'cc' is available.");
            return ExitCodes.OsFileMissing;
        }

        using var signals = new SignalRelay();
        Coordinator coordinator;
        try
        {
            coordinator = Coordinator.ConnectAsync(backendUrl, Options, signals.StopWaiting).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (signals.Received != 0)
        {
            return ExitCodes.SignalBase + signals.Received;
        }
        catch (Exception e) when (e is ArgumentException or BackendUnavailableException)
        {
            return Report.Failure(e);
        }

        try
        {
            return RunConnected(coordinator, signals, path, setpriv);
        }
        finally
        {
            coordinator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits for the hold until the verb's timeout; null when it was not obtained (the verb has said why: exit 75).</summary>
    /// <param name="coordinator">The session.</param>
    /// <param name="cancellationToken">Fires at SIGINT, SIGTERM or SIGHUP.</param>
    protected abstract Task<Hold?> AcquireAsync(Coordinator coordinator, CancellationToken cancellationToken);

    /// <summary>
    /// Tries once, then — unless <paramref name="timeout"/> is zero — waits for the rest of it with the live status
    /// line on a terminal (<see cref="WaitStatusLine"/>), so a wait that ends at once shows nothing.
    /// </summary>
    /// <typeparam name="T">The handle.</typeparam>
    /// <param name="coordinator">The session.</param>
    /// <param name="name">The awaited lock (an election is its lock).</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="tryAcquire">The acquisition, given how long it may wait.</param>
    /// <param name="status">How the status line describes the wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    protected static async Task<T?> WaitShowingHolderAsync<T>(
        Coordinator coordinator,
        string name,
        TimeSpan timeout,
        Func<TimeSpan, CancellationToken, Task<T?>> tryAcquire,
        WaitStatusLine.Style status,
        CancellationToken cancellationToken)
        where T : class
    {
        var started = Stopwatch.GetTimestamp();
        if (await tryAcquire(TimeSpan.Zero, cancellationToken).ConfigureAwait(false) is { } handle)
        {
            return handle;
        }

        if (timeout == TimeSpan.Zero)
        {
            return null;
        }

        var remaining = timeout == Timeout.InfiniteTimeSpan
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromTicks(Math.Max(0, (timeout - Stopwatch.GetElapsedTime(started)).Ticks));
        var line = WaitStatusLine.StartIfTerminal(coordinator, name, started, status);
        try
        {
            return await tryAcquire(remaining, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (line is not null)
            {
                await line.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private int RunConnected(Coordinator coordinator, SignalRelay signals, string path, string? setpriv)
    {
        Hold? hold;
        try
        {
            hold = AcquireAsync(coordinator, signals.StopWaiting).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (signals.Received != 0)
        {
            return ExitCodes.SignalBase + signals.Received;
        }
        catch (Exception e) when (e is ArgumentException or BackendUnavailableException)
        {
            return Report.Failure(e);
        }

        if (hold is null)
        {
            return ExitCodes.NotAcquired;
        }

        try
        {
            return RunChild(hold, signals, path, setpriv);
        }
        finally
        {
            hold.ReleaseAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private int RunChild(Hold hold, SignalRelay signals, string path, string? setpriv)
    {
        if (!signals.TryBeginStart())
        {
            return ExitCodes.SignalBase + signals.Received;
        }

        if (hold.LostToken.IsCancellationRequested)
        {
            signals.Finished();
            Report.Error($"lost {hold.Description} ({hold.LossReason}) before the command started; it was not started.");
            return ExitCodes.Lost;
        }

        RunningCommand? command;
        int execError;
        try
        {
            command = ChildLauncher.Start(path, child.Arguments, setpriv, hold.Environment, out execError);
        }
        catch (Win32Exception e)
        {
            signals.Finished();
            Report.Error($"cannot start {Terminal.Printable(child.Arguments[0])}: {e.Message}");
            return ExitCodes.OsError;
        }

        if (command is null)
        {
            // Found before waiting, but gone or changed since: report as a shell would.
            signals.Finished();
            Report.Error($"cannot execute {Terminal.Printable(child.Arguments[0])}: {Marshal.GetPInvokeErrorMessage(execError)}.");
            return execError is NativeMethods.ENOENT or NativeMethods.ENOTDIR ? ExitCodes.CommandNotFound : ExitCodes.CommandNotExecutable;
        }

        using (command)
        {
            signals.Started(command);
            using var loss = new LossResponse(hold, signals, killAfter);
            command.WaitForEnd();
            signals.Finished();
            var exitCode = command.Reap();
            if (loss.Happened && LostExitCode is { } lostExitCode)
            {
                Report.Error($"the command ended with {exitCode} after {hold.Description} was lost; exiting {lostExitCode}.");
                return lostExitCode;
            }

            return exitCode;
        }
    }
}
