namespace Baton.Dashboard.Tests.Support;

/// <summary>A <see cref="DashboardServer"/> on a free loopback port over its own coordinator, with an HTTP client for it.</summary>
internal sealed class RunningDashboard : IAsyncDisposable
{
    private RunningDashboard(Coordinator coordinator, DashboardServer server)
    {
        Coordinator = coordinator;
        Server = server;
        Http = new HttpClient { BaseAddress = new Uri(server.Urls[0]), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Coordinator Coordinator { get; }

    public DashboardServer Server { get; }

    /// <summary>A client whose base address is the dashboard's (path base included).</summary>
    public HttpClient Http { get; }

    /// <summary>The page's address.</summary>
    public string Url => Server.Urls[0];

    public static async Task<RunningDashboard> StartAsync(string backendUrl, DashboardOptions? options = null)
    {
        var coordinator = await Coordinator.ConnectAsync(backendUrl);
        try
        {
            var server = await DashboardServer.StartAsync(coordinator, ["http://127.0.0.1:0"], options ?? new DashboardOptions { RefreshInterval = TimeSpan.FromMilliseconds(100) });
            return new RunningDashboard(coordinator, server);
        }
        catch
        {
            await coordinator.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await Coordinator.DisposeAsync();
    }
}
