using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Baton.Hosting.Tests.Support;

/// <summary>Real hosts as an application builds them, with in-memory configuration and collected logs.</summary>
internal static class TestHost
{
    /// <summary>How long a test waits for something that should happen soon before it fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>A host builder without the defaults' files and environment, logging into a <see cref="FakeLogCollector"/>.</summary>
    /// <param name="configuration">In-memory configuration; none when null.</param>
    /// <param name="logSink">Called with each log line as it is written, to wait for one.</param>
    public static HostApplicationBuilder CreateBuilder(IEnumerable<KeyValuePair<string, string?>>? configuration = null, Action<string>? logSink = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFakeLogging(options => options.OutputSink = logSink);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = Patience);
        return builder;
    }

    /// <summary>Builds and starts the host within <see cref="Patience"/>.</summary>
    public static async Task<RunningHost> StartAsync(this HostApplicationBuilder builder)
    {
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            await host.StartAsync(timeout.Token);
            return new RunningHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Every log line the host wrote, with its exception, as text.</summary>
    public static string AllLogs(this IServiceProvider services) => services.GetFakeLogCollector().AllLogs();

    /// <summary>Every log line collected, with its exception, as text.</summary>
    public static string AllLogs(this FakeLogCollector logs) =>
        string.Join('\n', logs.GetSnapshot().Select(r => $"{r.Level} {r.Category}: {r.Message} {r.Exception}"));

}

/// <summary>A started host; disposing it stops it (once) within <see cref="TestHost.Patience"/>.</summary>
internal sealed class RunningHost(IHost host) : IAsyncDisposable
{
    // Kept apart from the container, so the logs can be read after the host is disposed.
    private readonly FakeLogCollector _logs = host.Services.GetFakeLogCollector();
    private int _stopped;

    public IServiceProvider Services => host.Services;

    /// <summary>Every log line the host wrote, also after it stopped.</summary>
    public string AllLogs() => _logs.AllLogs();

    /// <summary>Stops and disposes the host; later calls do nothing.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TestHost.Patience))
        {
            await host.StopAsync(timeout.Token);
        }

        host.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Runs the host's health checks.</summary>
    public Task<HealthReport> CheckHealthAsync() => Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
}
