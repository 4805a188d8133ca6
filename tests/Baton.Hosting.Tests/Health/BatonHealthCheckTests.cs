using Baton.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace Baton.Hosting.Tests.Health;

/// <summary>The health check: healthy while the backend answers, the failure status with a password-free reason otherwise.</summary>
public sealed class BatonHealthCheckTests
{
    private const string Password = "hunter2-secret";

    // A closed port on this machine: connecting is refused at once, no server needed.
    private const string UnreachableRedis = $"redis://:{Password}@127.0.0.1:1";

    [Theory]
    [MemberData(nameof(TestBackends.Kinds), MemberType = typeof(TestBackends))]
    public async Task BackendAnswers_Healthy(string kind)
    {
        var url = TestBackends.NewUrl(kind, "health-ok");
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(url).AddHealthCheck(tags: ["ready"]);
        await using var host = await builder.StartAsync();

        var report = await host.CheckHealthAsync();

        var entry = Assert.Single(report.Entries);
        Assert.Equal("baton", entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        Assert.Equal(url, entry.Value.Data["backend"]);
        Assert.Contains("ready", entry.Value.Tags);
        Assert.StartsWith($"{url} answered in", entry.Value.Description, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task RefusedDirectory_LazyConnection_HostStarts_Unhealthy_WithTheReason()
    {
        var url = TestDirectories.NewRefusedUrl();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(url, options => options.ConnectAtStart = false).AddHealthCheck();
        await using var host = await builder.StartAsync();

        var report = await host.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        var entry = report.Entries["baton"];
        Assert.Contains($"{url} did not answer: Could not connect to {url}", entry.Description, StringComparison.Ordinal);
        Assert.Contains("writable by every user", entry.Description, StringComparison.Ordinal);
        Assert.IsType<BackendUnavailableException>(entry.Exception);
    }

    [Fact]
    public async Task UnreachableWithPassword_Unhealthy_NeitherReportNorLogsShowThePassword()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(UnreachableRedis, options =>
        {
            options.ConnectAtStart = false;
            options.ConnectTimeout = TimeSpan.FromSeconds(2);
        }).AddHealthCheck(failureStatus: HealthStatus.Degraded);
        await using var host = await builder.StartAsync();

        var report = await host.CheckHealthAsync();

        var entry = report.Entries["baton"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("redis://:***@127.0.0.1:1", entry.Data["backend"]);
        Assert.StartsWith("redis://:***@127.0.0.1:1 did not answer", entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, entry.Exception?.ToString() ?? string.Empty, StringComparison.Ordinal);
        var logs = host.AllLogs();
        Assert.Contains("Connecting to redis://:***@127.0.0.1:1 failed", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableAtStart_StartFailsClearly_WithoutThePassword()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(UnreachableRedis, options => options.ConnectTimeout = TimeSpan.FromSeconds(2));
        var host = builder.Build();

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(() => host.StartAsync());

        // The core says "within the timeout" or the Redis backend says why; either names the server, password hidden.
        Assert.StartsWith("Baton could not connect to its backend while the host started: Could not connect to", error.Message, StringComparison.Ordinal);
        Assert.Contains("redis://:***@127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("BatonOptions.ConnectAtStart to false", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        var logs = host.Services.AllLogs();
        Assert.Contains("Connecting to redis://:***@127.0.0.1:1 failed", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, logs, StringComparison.Ordinal);
        host.Dispose();
    }

    [Fact]
    public async Task HostStopped_Unhealthy()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(TestBackends.NewUrl("memory", "health-stopped")).AddHealthCheck();
        using var host = builder.Build();
        await host.StartAsync();
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        var connection = host.Services.GetRequiredService<BatonConnection>();
        Assert.Equal(HealthStatus.Healthy, (await checks.CheckHealthAsync()).Status);

        await host.StopAsync();

        Assert.False(connection.IsConnected);
        var entry = (await checks.CheckHealthAsync()).Entries["baton"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.IsType<ObjectDisposedException>(entry.Exception);
    }

    [Fact]
    public async Task KeyedConnection_OwnCheckName()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(TestBackends.NewUrl("memory", "health-main")).AddHealthCheck();
        builder.Services.AddKeyedBaton("orders", TestBackends.NewUrl("memory", "health-orders")).AddHealthCheck();
        await using var host = await builder.StartAsync();

        var report = await host.CheckHealthAsync();

        Assert.Equal(["baton", "baton-orders"], report.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }
}
