using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// `baton` with a postgres:// backend: exit 69 when the server cannot be reached, 64 for a bad URL, never the
/// password; and a real run against the test server (BATON_TEST_POSTGRES_URL, from scripts/servers/postgres.sh).
/// </summary>
public sealed class PostgresCliTests
{
    private const string Secret = "cli-s3cret";

    [Fact]
    public async Task Locks_UnreachablePostgres_Exits69WithoutThePassword()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync("locks", "--backend", $"postgres://u:{Secret}@127.0.0.1:1/db");

        Assert.Equal(69, exitCode);
        Assert.Contains("postgres", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Secret, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadPostgresOption_Exits64WithoutThePassword()
    {
        var (exitCode, output, error) = await BatonProcess.RunAsync("run", "x", "--backend", $"postgres://u:{Secret}@127.0.0.1:5432/db?bogus=1", "--", "true");

        Assert.Equal(64, exitCode);
        Assert.Contains("bogus", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OnTheTestServer_RunsTheCommandWithAToken()
    {
        var url = Baton.Conformance.Servers.TestServerUrls.Postgres;

        var (exitCode, output, _) = await BatonProcess.RunAsync(
            "run", $"cli/{Guid.NewGuid():N}", "--backend", url, "--", "sh", "-c", "echo token=$BATON_FENCING_TOKEN");

        Assert.Equal(0, exitCode);
        Assert.Matches("token=[1-9][0-9]*", output);
    }
}
