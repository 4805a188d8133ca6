namespace Baton.Cli.Commands.Dashboard;

/// <summary><c>--urls</c>: <c>http://HOST:PORT</c> addresses separated by <c>;</c>, as ASP.NET Core writes them.</summary>
internal static class ListenUrls
{
    /// <summary>The addresses; empty for none.</summary>
    public static IReadOnlyList<string> Split(string? text) =>
        text is null ? [] : text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Null when every address is <c>http://HOST:PORT</c>; else what is wrong, for a usage error.</summary>
    public static string? Problem(string text)
    {
        var urls = Split(text);
        if (urls.Count == 0)
        {
            return "give an address such as http://127.0.0.1:22866.";
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                return $"'{url}' is not http://HOST:PORT (such as http://127.0.0.1:22866; port 0 for any free port; "
                    + "for HTTPS, serve the dashboard from your own application: docs/dashboard.md).";
            }
        }

        return null;
    }
}
