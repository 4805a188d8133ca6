namespace Baton.Redis.Tests;

/// <summary>
/// The redis-server the tests use (<see cref="Baton.Conformance.Servers.TestServerUrls.Redis"/>). Without it the tests fail,
/// never skip: a green run must mean Redis was tested.
/// Every test class gets a key prefix of its own, so runs and classes never see each other's names.
/// </summary>
internal static class RedisTestServer
{
    public const string Variable = "BATON_TEST_REDIS_URL";

    /// <summary>The server's URL without options, such as <c>redis://127.0.0.1:46379</c>.</summary>
    public static string BaseUrl => Baton.Conformance.Servers.TestServerUrls.Redis;

    /// <summary>A URL with a prefix no other test class or run uses, and optionally a TTL.</summary>
    public static string NewUrl(string purpose, string? ttl = null) =>
        $"{BaseUrl}?prefix=bt-{purpose}-{Guid.NewGuid():N}:" + (ttl is null ? string.Empty : $"&ttl={ttl}");

    /// <summary>The port of the shared server.</summary>
    public static int Port => new Uri(BaseUrl).Port;
}
