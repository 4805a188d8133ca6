using Baton.Postgres.Tests.Support;
using Xunit;

namespace Baton.Postgres.Tests.Faults;

/// <summary>Bad URLs are ArgumentExceptions naming the problem; an unreachable server is BackendUnavailableException; no password shows.</summary>
public sealed class UrlAndReachabilityTests
{
    private const string Secret = "s3cret-pw";

    [Theory]
    [InlineData("postgres://u:" + Secret + "@127.0.0.1:notaport/db", "port")]
    [InlineData("postgres://u:" + Secret + "@127.0.0.1:5432/db?bogus=1", "bogus")]
    [InlineData("postgres://u:" + Secret + "@127.0.0.1:5432/db?sslmode=sometimes", "sslmode")]
    [InlineData("postgres://u:" + Secret + "@127.0.0.1:5432/db?schema=Bad-Name", "schema")]
    [InlineData("postgres://u:" + Secret + "@127.0.0.1:5432/db?keyspace=x", "keyspace")]
    [InlineData("postgresql://u:" + Secret + "@a:1,b:2/db", "one host")]
    public async Task ConnectAsync_BadUrl_ThrowsArgumentExceptionNamingItWithoutThePassword(string url, string named)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask());

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_Unreachable_ThrowsBackendUnavailableWithoutThePassword()
    {
        var e = await Assert.ThrowsAsync<BackendUnavailableException>(
            () => Coordinator.ConnectAsync($"postgres://u:{Secret}@127.0.0.1:1/db").AsTask());

        Assert.Contains("postgres", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_WrongPassword_ThrowsBackendUnavailableWithoutThePassword()
    {
        // The test server trusts every local user, so a missing role is the refusal here.
        var uri = new Uri(TestServer.Url);
        var e = await Assert.ThrowsAsync<BackendUnavailableException>(
            () => Coordinator.ConnectAsync($"postgres://no_such_role:{Secret}@{uri.Host}:{uri.Port}/postgres").AsTask());

        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.Contains("no_such_role", e.Message, StringComparison.Ordinal);
    }
}
