using Baton.Conformance.CrossProcess;
using Baton.Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests.Browser;

/// <summary>
/// The page in a real browser, with locks held by another real process on the file backend: shown within a second,
/// gone within a second of release, names as text, the prefix filter, the long-hold and long-wait highlights. Writes a screenshot.
/// </summary>
public sealed class DashboardPageTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IAsyncLifetime, IDisposable
{
    private const float OneSecond = 1000;
    private const float Patience = 15_000;

    // Every character HTML gives a meaning to, and a script that would run if the name were written as HTML.
    private const string HostileName = "jobs/<b>bold</b> & \"quoted\" 'single' <img src=x onerror=\"window.pwned=1\"><script>window.pwned=1</script>";

    private static readonly System.Text.RegularExpressions.Regex LongHold = new("\\blong-hold\\b");
    private static readonly System.Text.RegularExpressions.Regex LongWait = new("\\blong-wait\\b");

    private readonly TempLocks _locks = new();
    private IBrowserContext? _context;
    private volatile bool _finished;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _finished = true;
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Page_LockOfAnotherProcess_ShownWithinASecondAsTextThenGoneWithinASecondOfRelease()
    {
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);
        await using var holder = await HolderProcess.StartAsync(_locks.Url, memberId: "<i>worker</i> #1");
        var page = await OpenAsync(dashboard.Url);
        await holder.AcquireAsync("team/builders", HolderMode.Join());

        var grant = await holder.AcquireAsync(HostileName, HolderMode.Lock);
        var lockRows = page.Locator("tbody.lock").Filter(new() { Has = page.Locator("td.name", new() { HasTextString = "jobs/" }) });
        await Expect(lockRows).ToHaveCountAsync(1, new() { Timeout = OneSecond });

        var holderRow = lockRows.Locator("tr.holder");
        await Expect(lockRows.Locator("td.name")).ToHaveTextAsync(HostileName);
        await Expect(holderRow.Locator("td.id")).ToHaveTextAsync("<i>worker</i> #1");
        await Expect(holderRow.Locator("td.pid")).ToHaveTextAsync(holder.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(holderRow.Locator("td.token")).ToHaveTextAsync(grant.FencingToken.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(holderRow.Locator("td.mode")).ToHaveTextAsync("exclusive");
        await Expect(page.Locator("td.name b, td.name img, td.name script, td.id i")).ToHaveCountAsync(0);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.pwned"));
        await Expect(page.Locator(".group[data-name='team/builders'] tr.member")).ToHaveCountAsync(1);
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live");
        await ScreenshotAsync(page);

        await grant.ReleaseAsync();
        await Expect(lockRows).ToHaveCountAsync(0, new() { Timeout = OneSecond });
    }

    [Fact]
    public async Task Page_Prefix_HidesOtherNamesAndIsKeptInTheUrl()
    {
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);
        await using var holder = await HolderProcess.StartAsync(_locks.Url);
        await holder.AcquireAsync("alpha/one", HolderMode.Lock);
        await holder.AcquireAsync("beta/two", HolderMode.Lock);

        var page = await OpenAsync(dashboard.Url + "?prefix=alpha%2F");
        await Expect(page.Locator("tbody.lock")).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(page.Locator("tbody.lock td.name").First).ToHaveTextAsync("alpha/one");
        await Expect(page.Locator("#prefix")).ToHaveValueAsync("alpha/");

        await page.Locator("#prefix").FillAsync("beta");

        await Expect(page.Locator("tbody.lock td.name")).ToHaveTextAsync(["beta/two"]);
        Assert.EndsWith("?prefix=beta", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_HoldAndWaitOverTheirThresholds_Highlighted()
    {
        await using var dashboard = await RunningDashboard.StartAsync(_locks.Url);
        var starting = HolderProcess.StartAsync(_locks.Url);
        await using var waiter = await HolderProcess.StartAsync(_locks.Url, memberId: "waiter");
        await using var holder = await starting;
        await holder.AcquireAsync("slow/job", HolderMode.Lock);
        _ = await waiter.StartAcquireAsync("slow/job", HolderMode.Lock);

        var page = await OpenAsync(dashboard.Url + "?hold=3600&wait=3600");
        var held = page.Locator("tbody.lock[data-name='slow/job'] tr.holder");
        var waiting = page.Locator("tbody.lock[data-name='slow/job'] tr.waiter");
        await Expect(waiting).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(held).Not.ToHaveClassAsync(LongHold);
        await Expect(waiting).Not.ToHaveClassAsync(LongWait);

        // The held-for and waited-for times tick in the page; past the thresholds the rows are marked.
        await page.Locator("#hold").FillAsync("1");
        await page.Locator("#wait").FillAsync("1");

        await Expect(held).ToHaveClassAsync(LongHold, new() { Timeout = 3000 });
        await Expect(waiting).ToHaveClassAsync(LongWait, new() { Timeout = 3000 });
        await Expect(waiting.Locator("td.id")).ToHaveTextAsync("waiter");
        await Expect(held.Locator("td.for")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9]+s$"));
        Assert.Contains("hold=1", page.Url, StringComparison.Ordinal);
    }

    private async Task<IPage> OpenAsync(string url)
    {
        _context ??= await (await browser.GetBrowserAsync()).NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } });
        var page = await _context.NewPageAsync();
        page.Console += (_, message) => Log($"browser console: {message.Text}");
        page.PageError += (_, error) => Log($"browser error: {error}");
        await page.GotoAsync(url);
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = Patience });
        return page;
    }

    private void Log(string line)
    {
        if (!_finished)
        {
            output.WriteLine(line);
        }
    }

    private async Task ScreenshotAsync(IPage page)
    {
        var directory = Environment.GetEnvironmentVariable("BATON_TEST_RESULTS") is { Length: > 0 } results
            ? results
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "dashboard.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        Console.Error.WriteLine($"dashboard screenshot: {path}");
    }
}
