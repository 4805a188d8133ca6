using Baton.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Baton.Hosting.Tests.Options;

/// <summary>AddBaton's options: bound from configuration, validated when the host starts, named for several backends.</summary>
public sealed class BatonOptionsTests
{
    private const string Password = "hunter2-secret";

    [Fact]
    public async Task AddBaton_FromConfiguration_BindsEveryOption()
    {
        var url = TestBackends.NewUrl("memory", "options-binding");
        var builder = TestHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["Baton:BackendUrl"] = url,
            ["Baton:MemberId"] = "worker-7",
            ["Baton:ConnectTimeout"] = "00:00:05",
            ["Baton:WatchPollInterval"] = "00:00:00.100",
            ["Baton:ConnectAtStart"] = "false",
        });
        builder.Services.AddBaton(builder.Configuration.GetSection(BatonOptions.DefaultSectionName));
        await using var host = await builder.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<BatonOptions>>().Value;
        Assert.Equal(url, options.BackendUrl);
        Assert.Equal("worker-7", options.MemberId);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.WatchPollInterval);
        Assert.False(options.ConnectAtStart);

        var connection = host.Services.GetRequiredService<BatonConnection>();
        Assert.False(connection.IsConnected);
        Assert.Throws<InvalidOperationException>(() => connection.Coordinator);
        var coordinator = await connection.GetCoordinatorAsync();
        Assert.Same(coordinator, connection.Coordinator);
        Assert.Equal("worker-7", coordinator.Member.CustomId);
        Assert.Equal(url, coordinator.BackendUrl);
    }

    [Fact]
    public async Task ConnectAtStart_ConnectedOnceStarted_DisposedWhenStopped()
    {
        var url = TestBackends.NewUrl("memory", "options-lifetime");
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(url);
        var host = await builder.StartAsync();
        var connection = host.Services.GetRequiredService<BatonConnection>();
        Assert.True(connection.IsConnected);
        var coordinator = connection.Coordinator;
        await using (var held = await coordinator.CreateLock("x").AcquireAsync())
        {
            await host.StopAsync();

            Assert.False(connection.IsConnected);
            Assert.True(held.IsLost);
            Assert.Equal(LossReason.CoordinatorDisposed, held.LossReason);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => connection.GetCoordinatorAsync().AsTask());
        Assert.Contains($"Connected to {url}", host.AllLogs(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAtStart_ServiceAddedBeforeAddBaton_FindsItConnectedInItsStart()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddHostedService<UsesTheCoordinatorAtStart>();
        builder.Services.AddBaton(TestBackends.NewUrl("memory", "options-order"));
        await using var host = await builder.StartAsync();

        var early = host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<UsesTheCoordinatorAtStart>().Single();
        Assert.Same(host.Services.GetRequiredService<BatonConnection>().Coordinator, early.Seen);
    }

    [Fact]
    public async Task BadUrlWithPassword_StartFails_NamingTheKey_WithoutThePassword()
    {
        var builder = TestHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["Services:Baton:BackendUrl"] = $"redis://:{Password}@cache:6379/?ttl=%zz",
        });
        builder.Services.AddBaton(builder.Configuration.GetSection("Services:Baton"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains("Services:Baton:BackendUrl: 'redis://:***@cache:6379/?ttl=%zz' contains an invalid percent-escape", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadUrlWithPassword_NotInTheLogs()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton($"postgres://app:{Password}@db/app?sslmode=%");
        var host = builder.Build();

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var logs = host.Services.AllLogs();
        Assert.Contains("postgres://app:***@db/app?sslmode=%", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, logs, StringComparison.Ordinal);
        host.Dispose();
    }

    [Fact]
    public async Task NoUrl_StartFailsSayingItIsRequired()
    {
        var builder = TestHost.CreateBuilder(new Dictionary<string, string?> { ["Baton:MemberId"] = "a" });
        builder.Services.AddBaton(builder.Configuration.GetSection("Baton"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains("Baton:BackendUrl: is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("file://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownScheme_StartFailsListingTheKnownOnes()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton("mongodb://db:27017");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains("BatonOptions.BackendUrl: 'mongodb://db:27017' names the unknown backend scheme 'mongodb'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Known schemes: etcd, etcds, file, memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralBadValues_EveryKeyNamed()
    {
        var builder = TestHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["Baton:BackendUrl"] = "memory://",
            ["Baton:MemberId"] = "tab\there",
            ["Baton:ConnectTimeout"] = "00:00:00",
            ["Baton:WatchPollInterval"] = "02:00:00",
        });
        builder.Services.AddBaton(builder.Configuration.GetSection("Baton"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains("Baton:MemberId: A member id must not contain control characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("Baton:ConnectTimeout: must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("Baton:WatchPollInterval: must be between 1 ms and 1 hour", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public async Task OptionOnlyTheBackendJudges_StartFailsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder(new Dictionary<string, string?> { ["Baton:BackendUrl"] = "memory://x?ttl=5s" });
        builder.Services.AddBaton(builder.Configuration.GetSection("Baton"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.StartAsync());

        Assert.StartsWith("Baton:BackendUrl: 'memory://x?ttl=5s' has the option 'ttl'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyedConnections_EachItsOwnBackendAndOptions()
    {
        var main = TestBackends.NewUrl("memory", "options-main");
        var orders = TestBackends.NewUrl("memory", "options-orders");
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(main, options => options.MemberId = "main");
        builder.Services.AddKeyedBaton("orders", orders, options => options.MemberId = "orders");
        await using var host = await builder.StartAsync();

        var unkeyed = host.Services.GetRequiredService<BatonConnection>();
        var keyed = host.Services.GetRequiredKeyedService<BatonConnection>("orders");
        Assert.Equal(main, unkeyed.Coordinator.BackendUrl);
        Assert.Equal("main", unkeyed.Coordinator.Member.CustomId);
        Assert.Equal(orders, keyed.Coordinator.BackendUrl);
        Assert.Equal("orders", keyed.Coordinator.Member.CustomId);
        Assert.Equal("orders", keyed.Name);
        Assert.Equal(string.Empty, unkeyed.Name);
    }

    [Fact]
    public async Task KeyedConnection_BadUrl_MessageNamesTheConnection()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton("memory://");
        builder.Services.AddKeyedBaton("orders", "orders-db");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains("BatonOptions['orders'].BackendUrl: 'orders-db' is not a backend URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddBatonTwice_OneConnection_LaterValuesWin()
    {
        var url = TestBackends.NewUrl("memory", "options-twice");
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton("memory://first", options => options.MemberId = "first");
        builder.Services.AddBaton(url);
        await using var host = await builder.StartAsync();

        Assert.Single(host.Services.GetServices<BatonConnection>());
        var coordinator = host.Services.GetRequiredService<BatonConnection>().Coordinator;
        Assert.Equal(url, coordinator.BackendUrl);
        Assert.Equal("first", coordinator.Member.CustomId);
    }

    private sealed class UsesTheCoordinatorAtStart(BatonConnection connection) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Coordinator? Seen { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Seen = connection.Coordinator;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
