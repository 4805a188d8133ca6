using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Dashboard;

/// <summary>
/// The dashboard on a web server of its own (Kestrel), as <c>baton dashboard</c> runs it. To serve it from your own
/// ASP.NET Core application instead, use <see cref="DashboardEndpointRouteBuilderExtensions.MapBatonDashboard"/>.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private DashboardServer(WebApplication app, IReadOnlyList<string> urls)
    {
        _app = app;
        Urls = urls;
    }

    /// <summary>The addresses it listens on, ports resolved (port 0 becomes the port the system chose), path base included.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Starts listening; returns once the addresses are bound.</summary>
    /// <param name="coordinator">Whose locks are shown; it must outlive the server.</param>
    /// <param name="urls">
    /// <c>http://HOST:PORT</c> addresses; null or empty for <see cref="DashboardOptions.DefaultUrl"/> (loopback only).
    /// Use port 0 for any free port. For HTTPS, host the dashboard in your own application.
    /// </param>
    /// <param name="options">Refresh interval, thresholds, path base, read-only; null for the defaults.</param>
    /// <param name="loggerFactory">Where the server and the dashboard log; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <exception cref="ArgumentException">An address is not an <c>http://HOST:PORT</c> URL, or an option is out of range.</exception>
    /// <exception cref="IOException">An address cannot be bound (in use, or not this machine's); the message names it.</exception>
    public static async ValueTask<DashboardServer> StartAsync(
        Coordinator coordinator,
        IEnumerable<string>? urls = null,
        DashboardOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        options ??= new DashboardOptions();
        options.Validate();
        string[] addresses = urls?.ToArray() is { Length: > 0 } given ? given : [DashboardOptions.DefaultUrl];
        foreach (var address in addresses)
        {
            CheckUrl(address);
        }

        // The empty builder: no configuration files or environment read from wherever the command was started, no
        // default logging; only the server and routing.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.WebHost.UseUrls(addresses);
        builder.Services.AddRoutingCore();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        }

        var app = builder.Build();
        app.MapBatonDashboard(coordinator, options);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new DashboardServer(app, [.. app.Urls.Select(u => u.TrimEnd('/') + options.PathBase + "/")]);
    }

    /// <summary>Stops listening: open event streams end, and requests in progress get a few seconds to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void CheckUrl(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new ArgumentException(
                $"'{address}' is not an address to listen on: give http://HOST:PORT, such as {DashboardOptions.DefaultUrl} (port 0 for any free port).",
                nameof(address));
        }
    }
}
