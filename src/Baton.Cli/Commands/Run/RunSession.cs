using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Run;

/// <summary>
/// One <c>baton run</c>: check the command, connect, wait for the lock (a live status line on a terminal),
/// run the command on the main thread, wait for it, release. Every path out releases the lock and closes
/// the session; the exit code is the command's, or one of <see cref="ExitCodes"/>.
/// </summary>
/// <remarks>
/// An exclusive run takes <see cref="Coordinator.CreateLock"/>, a shared run the read side of
/// <see cref="Coordinator.CreateReaderWriterLock"/>: an exclusive lock is the writer side of the reader-writer
/// lock of the same name, so shared runs overlap each other and exclude exclusive runs (and programs that use
/// either primitive on that name). This method blocks the main thread on purpose: see <see cref="ChildLauncher"/>.
/// </remarks>
/// <param name="name">The lock's name.</param>
/// <param name="backendUrl">The backend URL, or null for the default.</param>
/// <param name="shared">Hold shared rather than exclusive.</param>
/// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
/// <param name="verbose">Say when the lock is taken and released.</param>
/// <param name="child">The command after <c>--</c>.</param>
internal sealed class RunSession(string name, string? backendUrl, bool shared, TimeSpan timeout, bool verbose, ChildCommandLine child)
{
    private long _acquiredAt;

    /// <summary>Runs it; returns the exit code.</summary>
    public int Execute()
    {
        if (!child.SeparatorSeen)
        {
            Report.Error($"missing '--' before the command: baton run {Terminal.Printable(name)} [options] -- COMMAND [ARGS...]");
            return ExitCodes.Usage;
        }

        if (child.Arguments.Count == 0)
        {
            Report.Error("missing the command after '--': baton run NAME [options] -- COMMAND [ARGS...]");
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
                + "baton and never runs without the lock; install util-linux, or rebuild baton where 'cc' is available.");
            return ExitCodes.OsFileMissing;
        }

        using var signals = new SignalRelay();
        Coordinator coordinator;
        try
        {
            coordinator = Coordinator.ConnectAsync(backendUrl, cancellationToken: signals.StopWaiting).AsTask().GetAwaiter().GetResult();
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

    private int RunConnected(Coordinator coordinator, SignalRelay signals, string path, string? setpriv)
    {
        LockHandleBase? handle;
        var started = Stopwatch.GetTimestamp();
        try
        {
            handle = AcquireAsync(coordinator, signals.StopWaiting).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (signals.Received != 0)
        {
            return ExitCodes.SignalBase + signals.Received;
        }
        catch (Exception e) when (e is ArgumentException or BackendUnavailableException)
        {
            return Report.Failure(e);
        }

        if (handle is null)
        {
            Report.Error(timeout == TimeSpan.Zero
                ? $"'{Terminal.Printable(name)}' is held; not waiting (--timeout 0)."
                : $"'{Terminal.Printable(name)}' was not acquired within {DurationParser.Format(timeout)}.");
            return ExitCodes.NotAcquired;
        }

        _acquiredAt = Stopwatch.GetTimestamp();
        if (verbose)
        {
            Report.Error($"holding '{Terminal.Printable(name)}' ({(shared ? "shared" : "exclusive")}, fencing token {handle.FencingToken}) "
                + $"on {coordinator.BackendUrl}; waited {DurationParser.Format(Stopwatch.GetElapsedTime(started, _acquiredAt))}.");
        }

        try
        {
            if (handle.Takeover is { } takeover)
            {
                Report.Error($"note: the previous holder of '{Terminal.Printable(name)}' did not release cleanly: "
                    + $"{takeover.PreviousHolder} (token {takeover.PreviousFencingToken}), {takeover.Reason} at {takeover.EndedAt.ToUniversalTime():u}.");
            }

            return RunChild(handle, signals, path, setpriv);
        }
        finally
        {
            handle.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (verbose)
            {
                Report.Error($"released '{Terminal.Printable(name)}' after {DurationParser.Format(Stopwatch.GetElapsedTime(_acquiredAt))}.");
            }
        }
    }

    private int RunChild(LockHandleBase handle, SignalRelay signals, string path, string? setpriv)
    {
        if (!signals.TryBeginStart())
        {
            return ExitCodes.SignalBase + signals.Received;
        }

        RunningCommand? command;
        int execError;
        try
        {
            command = ChildLauncher.Start(path, child.Arguments, setpriv, name, handle.FencingToken, out execError);
        }
        catch (Win32Exception e)
        {
            signals.Finished();
            Report.Error($"cannot start {Terminal.Printable(child.Arguments[0])}: {e.Message}");
            return ExitCodes.OsError;
        }

        if (command is null)
        {
            // Found before the lock was taken, but gone or changed since: report as a shell would.
            signals.Finished();
            Report.Error($"cannot execute {Terminal.Printable(child.Arguments[0])}: {Marshal.GetPInvokeErrorMessage(execError)}.");
            return execError is NativeMethods.ENOENT or NativeMethods.ENOTDIR ? ExitCodes.CommandNotFound : ExitCodes.CommandNotExecutable;
        }

        using (command)
        {
            signals.Started(command);
            using var lost = handle.LostToken.Register(() =>
            {
                Report.Error($"lost the lock '{Terminal.Printable(name)}' ({handle.LossReason}): ownership can no longer be guaranteed; sending SIGTERM to the command.");
                signals.SendToChild(NativeMethods.SIGTERM);
            });
            command.WaitForEnd();
            signals.Finished();
            return command.Reap();
        }
    }

    private async Task<LockHandleBase?> AcquireAsync(Coordinator coordinator, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (await TryAcquireAsync(coordinator, TimeSpan.Zero, cancellationToken).ConfigureAwait(false) is { } handle)
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
        var status = WaitStatusLine.StartIfTerminal(coordinator, name, started);
        try
        {
            return await TryAcquireAsync(coordinator, remaining, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (status is not null)
            {
                await status.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<LockHandleBase?> TryAcquireAsync(Coordinator coordinator, TimeSpan wait, CancellationToken cancellationToken) =>
        shared
            ? await coordinator.CreateReaderWriterLock(name).TryAcquireReadAsync(wait, cancellationToken).ConfigureAwait(false)
            : await coordinator.CreateLock(name).TryAcquireAsync(wait, cancellationToken).ConfigureAwait(false);
}
