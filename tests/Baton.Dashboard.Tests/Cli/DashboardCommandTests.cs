using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Baton.Dashboard.Tests.Support;
using Xunit;

namespace Baton.Dashboard.Tests.Cli;

/// <summary>`baton dashboard` as a real process: usage errors, an unreachable backend, a taken port, serving and stopping.</summary>
public sealed class DashboardCommandTests : IDisposable
{
    private readonly TempLocks _locks = new();

    public void Dispose() => _locks.Dispose();

    [Theory]
    [InlineData("--refresh", "soon")]
    [InlineData("--refresh", "0")]
    [InlineData("--hold-threshold", "-1")]
    [InlineData("--wait-threshold", "x")]
    [InlineData("--urls", "https://127.0.0.1:0")]
    [InlineData("--urls", "127.0.0.1:8080")]
    [InlineData("--urls", "http://127.0.0.1:0/dash")]
    [InlineData("--bogus", "1")]
    public async Task Dashboard_BadOption_Exits64(string option, string value)
    {
        var (exitCode, output, error) = await BatonCli.RunAsync("dashboard", "--backend", _locks.Url, option, value);

        Assert.True(exitCode == 64, $"exit {exitCode}: {output} {error}");
        Assert.Contains("baton dashboard --help", error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_BadBackendUrl_Exits64()
    {
        var (exitCode, _, error) = await BatonCli.RunAsync("dashboard", "--backend", "nosuch://x", "--urls", "http://127.0.0.1:0");

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
    }

    [Fact]
    public async Task Dashboard_BackendUnreachable_Exits69()
    {
        var blocker = _locks.File("a-regular-file");
        await File.WriteAllTextAsync(blocker, "x");

        var (exitCode, output, error) = await BatonCli.RunAsync("dashboard", "--backend", $"file://{blocker}/locks", "--urls", "http://127.0.0.1:0");

        Assert.True(exitCode == 69, $"exit {exitCode}: {error}");
        Assert.Contains("backend unavailable", error, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_PortTaken_SaysSoAndExits71()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, _, error) = await BatonCli.RunAsync("dashboard", "--backend", _locks.Url, "--urls", $"http://127.0.0.1:{port}");

        Assert.True(exitCode == 71, $"exit {exitCode}: {error}");
        Assert.Contains("cannot listen", error, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("--urls", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_Serves_PrintsTheUrlAndStopsOnSigterm()
    {
        await using var baton = BatonCli.Start("dashboard", "--backend", _locks.Url, "--urls", "http://127.0.0.1:0", "--hold-threshold", "2m", "--wait-threshold", "750ms");
        var line = await baton.WaitForLineAsync("baton dashboard of");
        var url = line.Split(' ').Single(word => word.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        using var config = JsonDocument.Parse(await http.GetStringAsync("api/config"));
        using var locks = JsonDocument.Parse(await http.GetStringAsync("api/locks"));
        baton.Signal(15);
        var exitCode = await baton.WaitForExitAsync();

        Assert.Contains("read-only", line, StringComparison.Ordinal);
        Assert.Equal(120, config.RootElement.GetProperty("holdThresholdSeconds").GetDouble());
        Assert.Equal(0.75, config.RootElement.GetProperty("waitThresholdSeconds").GetDouble());
        Assert.True(config.RootElement.GetProperty("readOnly").GetBoolean());
        Assert.Equal(_locks.Url, locks.RootElement.GetProperty("backend").GetString());
        Assert.Equal(128 + 15, exitCode);
    }
}
