using Baton.Cli.Supervision;

namespace Baton.Cli.Shared;

/// <summary>
/// The session of a verb that only reads — <c>leader</c> and <c>members</c>, once or with <c>--watch</c>: connect, read
/// until done or until SIGINT, SIGTERM or SIGHUP (exit 128 + N, as <c>run</c> does when it stops waiting), close. A
/// watch also ends when its output is closed (<see cref="ExitCodes.OutputClosed"/>, checked by the verb).
/// </summary>
internal static class ObservingSession
{
    /// <summary>Runs <paramref name="read"/> on a session of <paramref name="backendUrl"/>; returns its exit code, or baton's.</summary>
    /// <param name="backendUrl">The backend URL, or null for the default.</param>
    /// <param name="read">The verb's work; its token fires at the first signal.</param>
    public static int Run(string? backendUrl, Func<Coordinator, CancellationToken, Task<int>> read)
    {
        using var signals = new SignalRelay();
        try
        {
            var coordinator = Coordinator.ConnectAsync(backendUrl, cancellationToken: signals.StopWaiting).AsTask().GetAwaiter().GetResult();
            try
            {
                return read(coordinator, signals.StopWaiting).GetAwaiter().GetResult();
            }
            finally
            {
                coordinator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (OperationCanceledException) when (signals.Received != 0)
        {
            return ExitCodes.SignalBase + signals.Received;
        }
        catch (Exception e) when (e is ArgumentException or BackendUnavailableException)
        {
            return Report.Failure(e);
        }
    }
}
