using Xunit.Sdk;

namespace Baton.Postgres.Tests.Support;

/// <summary>
/// The PostgreSQL server of the tests: BATON_TEST_POSTGRES_URL, which scripts/servers/postgres.sh prints (and
/// scripts/test.sh exports). Without it the tests fail, saying how to start one; they never skip.
/// </summary>
internal static class TestServer
{
    private const string Variable = "BATON_TEST_POSTGRES_URL";

    public static string Url => LazyUrl.Value;

    private static readonly Lazy<string> LazyUrl = new(Find);

    /// <summary>The URL with extra query options.</summary>
    public static string With(string query) => Url + (Url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url)
        {
            return url;
        }

        // A developer's `dotnet test` after scripts/test.sh: read the env file it left in .test-state.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var env = Path.Combine(directory.FullName, ".test-state", "env");
            if (File.Exists(env))
            {
                foreach (var line in File.ReadLines(env))
                {
                    var prefix = $"export {Variable}=";
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line[prefix.Length..].Trim();
                    }
                }
            }
        }

        throw new XunitException(
            $"{Variable} is not set: start the test server with `scripts/servers/postgres.sh start .test-state` " +
            "(or run ./scripts/test.sh, which starts it) and export the line it prints.");
    }
}
