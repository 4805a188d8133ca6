using Microsoft.Playwright;

namespace Baton.Dashboard.Tests.Browser;

/// <summary>
/// One headless Debian chromium for the browser tests, driven by Playwright (its own driver; it never downloads a
/// browser). A missing chromium fails the tests: scripts/test.sh installs it.
/// </summary>
public sealed class BrowserFixture : IAsyncDisposable
{
    /// <summary>Debian's chromium (apt-get install chromium).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly Lazy<Task<(IPlaywright, IBrowser)>> _started = new(StartAsync);

    /// <summary>The browser, started at the first call.</summary>
    public async Task<IBrowser> GetBrowserAsync() => (await _started.Value).Item2;

    public async ValueTask DisposeAsync()
    {
        if (_started.IsValueCreated && _started.Value.IsCompletedSuccessfully)
        {
            var (playwright, browser) = await _started.Value;
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task<(IPlaywright, IBrowser)> StartAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y chromium; scripts/test.sh does it).");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                // Without the last ones chromium keeps trying the network, which these machines do not have.
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                ],
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
