using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.Conformance.CrossProcess;
using Baton.Dashboard.Tests.Support;
using Xunit;

namespace Baton.Dashboard.Tests.Api;

/// <summary>The JSON API: the schema of `baton locks --json`, the prefix filter, bad queries, read-only.</summary>
public sealed partial class ApiTests : IDisposable
{
    private readonly TempLocks _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task ApiLocks_SameStateAsBatonLocksJson_SameDocument()
    {
        await using var holder = await HolderProcess.StartAsync(_locks.Url, memberId: "worker-7");
        await holder.AcquireAsync("app/one", HolderMode.Lock);
        await holder.AcquireAsync("app/shared", HolderMode.Read);
        await holder.AcquireAsync("app/slots", HolderMode.Semaphore(3));
        await holder.AcquireAsync("team", HolderMode.Join());
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);

        var fromApi = await dashboard.Http.GetStringAsync("api/locks");
        var (exitCode, fromCli, error) = await BatonCli.RunAsync("locks", "--json", "--backend", _locks.Url);

        Assert.True(exitCode == 0, error);
        Assert.Equal(WithoutTimes(fromCli.TrimEnd('\n')), WithoutTimes(fromApi));
        using var document = JsonDocument.Parse(fromApi);
        Assert.Equal(["app/one", "app/shared", "app/slots", "team"], document.RootElement.GetProperty("locks").EnumerateArray().Select(l => l.GetProperty("name").GetString()!));
    }

    [Fact]
    public async Task ApiLocks_Prefix_OnlyNamesThatStartWithIt()
    {
        await using var holder = await HolderProcess.StartAsync(_locks.Url);
        await holder.AcquireAsync("app/a", HolderMode.Lock);
        await holder.AcquireAsync("app/b", HolderMode.Lock);
        await holder.AcquireAsync("apple", HolderMode.Lock);
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);

        Assert.Equal(["app/a", "app/b"], await NamesAsync(dashboard, "api/locks?prefix=app%2F"));
        Assert.Equal(["app/a", "app/b", "apple"], await NamesAsync(dashboard, "api/locks?prefix=app"));
        Assert.Equal(["app/a", "app/b", "apple"], await NamesAsync(dashboard, "api/locks"));
        Assert.Empty(await NamesAsync(dashboard, "api/locks?prefix=zzz"));
    }

    [Theory]
    [InlineData("api/locks?name=x")]
    [InlineData("api/locks?prefix=a&prefix=b")]
    [InlineData("api/events?bogus=1")]
    [InlineData("api/config?prefix=a")]
    [InlineData("?filter=a")]
    public async Task Get_BadQuery_400WithAReason(string path)
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://");

        using var response = await dashboard.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("query parameter", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "text/html")]
    [InlineData("dashboard.js", "text/javascript")]
    [InlineData("dashboard.css", "text/css")]
    [InlineData("api/locks", "application/json")]
    [InlineData("api/config", "application/json")]
    public async Task Get_Anything_StrictContentSecurityPolicyAndNoSniff(string path, string contentType)
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://");

        using var response = await dashboard.Http.GetAsync(path);

        response.EnsureSuccessStatusCode();
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Page_HasNoInlineScriptOrStyle()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://");

        var html = await dashboard.Http.GetStringAsync("");

        Assert.Matches("<script src=\"dashboard.js\"", html);
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("<[^>]*\\son[a-z]+\\s*=", html);
    }

    [Fact]
    public async Task Page_Script_NeverWritesHtml()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://");

        var script = await dashboard.Http.GetStringAsync("dashboard.js");

        Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("outerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("insertAdjacentHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("document.write", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Break_ReadOnly_403AndTheLockStaysHeld()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://");
        await using var held = await dashboard.Coordinator.CreateLock("stuck").AcquireAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/locks/break?name=stuck");
        request.Headers.Add(DashboardOptions.BreakHeader, "1");

        using var response = await dashboard.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("read-only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(held.LostToken.IsCancellationRequested);
        Assert.Single((await dashboard.Coordinator.ListLocksAsync()).Single(l => l.Name == "stuck").Holders);
    }

    [Fact]
    public async Task Break_AllowedWithoutTheHeader_403()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://", new DashboardOptions { ReadOnly = false });
        await using var held = await dashboard.Coordinator.CreateLock("stuck").AcquireAsync();

        // What a cross-site form can send: no custom header.
        using var response = await dashboard.Http.PostAsync("api/locks/break?name=stuck", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(DashboardOptions.BreakHeader, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(held.LostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Break_AllowedWithTheHeader_BreaksTheLock()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://", new DashboardOptions { ReadOnly = false });
        await using var held = await dashboard.Coordinator.CreateLock("stuck").AcquireAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/locks/break?name=stuck");
        request.Headers.Add(DashboardOptions.BreakHeader, "1");

        using var response = await dashboard.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("broken").GetInt32());
        Assert.True(held.LostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Break_Get_405()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://");

        using var response = await dashboard.Http.GetAsync("api/locks/break?name=x");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task PathBase_ServesUnderItAndRedirectsToTheSlash()
    {
        await using var dashboard = await RunningDashboard.StartAsync("memory://", new DashboardOptions { PathBase = "/ops/baton" });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(dashboard.Url) };

        Assert.EndsWith("/ops/baton/", dashboard.Url, StringComparison.Ordinal);
        using var bare = await http.GetAsync("/ops/baton?prefix=a");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/ops/baton/?prefix=a", bare.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ops/baton/api/locks")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/locks")).StatusCode);
    }

    [Theory]
    [InlineData("https://127.0.0.1:1")]
    [InlineData("http://127.0.0.1:1/path")]
    [InlineData("127.0.0.1:1")]
    public async Task Start_BadUrl_ArgumentException(string url)
    {
        await using var coordinator = await Coordinator.ConnectAsync("memory://");

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await DashboardServer.StartAsync(coordinator, [url]));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
    }

    private static async Task<string[]> NamesAsync(RunningDashboard dashboard, string path)
    {
        using var document = JsonDocument.Parse(await dashboard.Http.GetStringAsync(path));
        return [.. document.RootElement.GetProperty("locks").EnumerateArray().Select(l => l.GetProperty("name").GetString()!)];
    }

    // The two listings were taken at different moments: only the times may differ.
    private static string WithoutTimes(string json) =>
        TimeFields().Replace(json, "\"$1\": 0");

    [GeneratedRegex("\"(observedAt|heldSeconds|waitedSeconds)\": (\"[^\"]*\"|[0-9.eE+-]+)")]
    private static partial Regex TimeFields();
}
