using Xunit;

namespace Baton.Cli.Tests;

/// <summary>Every verb that connects says so and exits 69 when the backend cannot be reached, and runs no command then.</summary>
public sealed class BackendErrorTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Theory]
    [InlineData("elect", "x", "--")]
    [InlineData("join", "x", "--")]
    [InlineData("leader", "x")]
    [InlineData("members", "x")]
    [InlineData("members", "x", "--watch")]
    public async Task Verb_LockDirectoryUnderARegularFile_Exits69AndRunsNothing(params string[] arguments)
    {
        var blocker = _locks.File("a-regular-file");
        await File.WriteAllTextAsync(blocker, "x");
        var marker = _locks.File("ran");
        string[] command = arguments[^1] == "--" ? ["touch", marker] : [];

        var (exitCode, _, error) = await BatonProcess.RunAsync([.. arguments[..2], "--backend", $"file://{blocker}/locks", .. arguments[2..], .. command]);

        Assert.True(exitCode == 69, $"exit {exitCode}: {error}");
        Assert.Contains("backend unavailable", error, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }
}
