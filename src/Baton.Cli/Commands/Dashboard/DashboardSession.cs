using System.Net;
using Baton.Cli.Shared;
using Baton.Dashboard;

namespace Baton.Cli.Commands.Dashboard;

/// <summary>
/// The run of <c>baton dashboard</c>: connect, read once (an unreachable backend is exit 69 before anything listens),
/// listen, print the addresses, serve until SIGINT, SIGTERM or SIGHUP (exit 128 + N, as <c>members --watch</c>).
/// Only reached in builds with the dashboard (<see cref="DashboardFeature"/>).
/// </summary>
internal static class DashboardSession
{
    public static int Run(DashboardSettings settings) => ObservingSession.Run(settings.BackendUrl, async (coordinator, stop) =>
    {
        _ = await coordinator.ListLocksAsync(stop).ConfigureAwait(false);
        var options = new DashboardOptions { ReadOnly = !settings.AllowBreak };
        options.RefreshInterval = settings.Refresh ?? options.RefreshInterval;
        options.HoldThreshold = settings.HoldThreshold ?? options.HoldThreshold;
        options.WaitThreshold = settings.WaitThreshold ?? options.WaitThreshold;
        DashboardServer server;
        try
        {
            server = await DashboardServer.StartAsync(coordinator, settings.Urls, options, cancellationToken: stop).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            Report.Error($"cannot listen: {e.Message} Pick another address with --urls (port 0 for any free port).");
            return ExitCodes.OsError;
        }

        await using (server.ConfigureAwait(false))
        {
            var access = settings.AllowBreak ? "locks can be broken from the page" : "read-only";
            foreach (var url in server.Urls)
            {
                StandardStreams.Out.WriteLine($"baton dashboard of {coordinator.BackendUrl} at {url} ({access}; Ctrl-C stops it)");
                if (!IsLoopback(url))
                {
                    Report.Error($"{url} is reachable from other machines: whoever reaches it sees every lock name and holder{(settings.AllowBreak ? " and can break locks" : string.Empty)}.");
                }
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    });

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address)));
}
