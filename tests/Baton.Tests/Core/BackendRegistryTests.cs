using Baton.Backends;
using Xunit;

namespace Baton.Tests.Core;

public sealed class BackendRegistryTests
{
    [Fact]
    public async Task ConnectAsync_UnknownScheme_ListsKnownSchemes()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Coordinator.ConnectAsync("mongo://localhost"));

        Assert.Contains("Unknown backend scheme 'mongo'", error.Message, StringComparison.Ordinal);
        foreach (var scheme in new[] { "memory", "redis", "rediss", "postgres", "postgresql", "etcd", "etcds", "zookeeper" })
        {
            Assert.Contains(scheme, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConnectAsync_KnownSchemeWithoutPackage_NamesThePackage()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Coordinator.ConnectAsync("zookeeper://127.0.0.1:2181"));

        Assert.Contains("Baton.ZooKeeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_RegisteredProvider_IsUsed()
    {
        BackendRegistry.Register(new FailingProvider("test-ok", () => new InvalidOperationException("unused")) { Succeed = true });

        await using var coordinator = await Coordinator.ConnectAsync("test-ok://anything");

        Assert.Equal("test-ok", coordinator.Scheme);
    }

    [Fact]
    public async Task ConnectAsync_ProviderFails_ThrowsBackendUnavailableWithoutPassword()
    {
        BackendRegistry.Register(new FailingProvider("test-down", () => new IOException("connection refused")));

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(
            async () => await Coordinator.ConnectAsync("test-down://admin:hunter2@10.0.0.1:1"));

        Assert.Contains("test-down://admin:***@10.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_ProviderHangs_FailsAtConnectTimeout()
    {
        BackendRegistry.Register(new HangingProvider());

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(async () => await Coordinator.ConnectAsync(
            "test-hang://host", new CoordinatorOptions { ConnectTimeout = TimeSpan.FromMilliseconds(100) }));

        Assert.Contains("test-hang://host", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_ProviderRejectsOptions_KeepsArgumentException()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Coordinator.ConnectAsync("memory://?ttl=5s"));

        Assert.Contains("ttl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Coordinator.ConnectAsync("memory://", null, cancelled.Token));
    }

    [Fact]
    public void DefaultBackendUrl_WithoutEnvironment_IsAFileUrlInAFixedDirectory()
    {
        if (Environment.GetEnvironmentVariable(Coordinator.BackendEnvironmentVariable) is not null)
        {
            return;
        }

        Assert.StartsWith("file:///", Coordinator.DefaultBackendUrl, StringComparison.Ordinal);
        Assert.Equal(Coordinator.DefaultBackendUrl, Coordinator.DefaultBackendUrl);
    }

    private sealed class FailingProvider(string scheme, Func<Exception> failure) : IBackendProvider
    {
        public bool Succeed { get; init; }

        public IReadOnlyList<string> Schemes => [scheme];

        public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
        {
            if (Succeed)
            {
                var memory = BackendRegistry.KnownSchemes.Contains("memory");
                Assert.True(memory);
                return await new Baton.Memory.MemoryBackendProvider().ConnectAsync(
                    context with { Url = BackendUrl.Parse("memory://registry-tests") }, cancellationToken);
            }

            throw failure();
        }
    }

    private sealed class HangingProvider : IBackendProvider
    {
        public IReadOnlyList<string> Schemes => ["test-hang"];

        public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
