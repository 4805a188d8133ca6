using Baton.Conformance.Servers;

namespace Baton.Postgres.Tests.Support;

/// <summary>The PostgreSQL server of the tests (<see cref="TestServerUrls.Postgres"/>): without it the tests fail, saying how to start one; they never skip.</summary>
internal static class TestServer
{
    public static string Url => TestServerUrls.Postgres;

    /// <summary>The URL with extra query options.</summary>
    public static string With(string query) => TestServerUrls.With(Url, query);
}
