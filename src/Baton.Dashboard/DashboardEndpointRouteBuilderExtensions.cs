using Baton.Dashboard.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Dashboard;

/// <summary>Serves the dashboard from your own ASP.NET Core application.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard under <see cref="DashboardOptions.PathBase"/> (or under the group you call it on): the
    /// page at <c>/</c>, its files, <c>GET api/locks</c>, <c>GET api/events</c> (server-sent events),
    /// <c>GET api/config</c> and <c>POST api/locks/break</c> (refused unless <see cref="DashboardOptions.ReadOnly"/>
    /// is false). Add your own authorization to the returned builder if the application is reachable by others.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="coordinator">Whose locks are shown; it must outlive the application.</param>
    /// <param name="options">Refresh interval, thresholds, path base, read-only; null for the defaults. Read once, now.</param>
    /// <returns>The group of the dashboard's endpoints, for conventions such as <c>RequireAuthorization</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="coordinator"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static IEndpointConventionBuilder MapBatonDashboard(this IEndpointRouteBuilder endpoints, Coordinator coordinator, DashboardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(coordinator);
        options ??= new DashboardOptions();
        options.Validate();
        var services = endpoints.ServiceProvider;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Baton.Dashboard") ?? NullLogger.Instance;
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var api = new DashboardApi(coordinator, options, logger, stopping);

        var group = endpoints.MapGroup(options.PathBase);
        group.MapGet("/", (RequestDelegate)DashboardApi.PageAsync);
        group.MapGet("/dashboard.css", context => Assets.ServeAsync(context, "dashboard.css"));
        group.MapGet("/dashboard.js", context => Assets.ServeAsync(context, "dashboard.js"));
        group.MapGet("/api/config", (RequestDelegate)api.ConfigAsync);
        group.MapGet("/api/locks", (RequestDelegate)api.LocksAsync);
        group.MapGet("/api/events", (RequestDelegate)api.EventsAsync);
        group.MapPost("/api/locks/break", (RequestDelegate)api.BreakAsync);
        return group;
    }
}
