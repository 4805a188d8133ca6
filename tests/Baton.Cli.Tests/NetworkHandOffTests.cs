using System.Text.Json.Nodes;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>
/// The local `baton` of a Native AOT publish (the network backends switched off) hands a command line for a network
/// backend to `baton-network` beside it, unchanged, and keeps file:// and memory:// for itself. Tested on a copy of
/// the build with the switch off in its runtimeconfig.json and a `baton-network` that reports what it was given.
/// </summary>
public sealed class NetworkHandOffTests
{
    private static readonly Lazy<string> LocalBuild = new(CopyLocalBuild);

    [Fact]
    public async Task NetworkUrl_IsHandedOverWithEveryArgument_InTheSameProcess()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync(Launch(), "run", "deploy", "--backend", "zookeeper://127.0.0.1:1", "--", "echo", "--backend", "x");

        Assert.Equal(42, exitCode);
        Assert.Contains("args: run deploy --backend zookeeper://127.0.0.1:1 -- echo --backend x", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("elect", "scheduler", "--backend", "etcd://127.0.0.1:1", "--id", "a", "--", "echo", "--backend", "x")]
    [InlineData("join", "workers", "-b", "zookeeper://127.0.0.1:1", "--capabilities", "{}", "--", "echo", "--backend", "file:///tmp")]
    [InlineData("leader", "scheduler", "--watch", "--backend=redis://127.0.0.1:1")]
    [InlineData("members", "workers", "--json", "-b", "postgres://u@127.0.0.1:1/db")]
    public async Task NetworkUrl_OfEveryVerb_IsHandedOverWithEveryArgument(params string[] arguments)
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync(Launch(), arguments);

        Assert.Equal(42, exitCode);
        Assert.Contains($"args: {string.Join(' ', arguments)}", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--backend=etcd://127.0.0.1:1")]
    [InlineData("-b:redis://127.0.0.1:1")]
    public async Task NetworkUrl_InEveryFormOfTheOption_IsHandedOver(string option)
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync(Launch(), "locks", option);

        Assert.Equal(42, exitCode);
        Assert.Contains($"args: locks {option}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkUrl_FromTheEnvironment_IsHandedOver()
    {
        var launch = Launch() with { Environment = new Dictionary<string, string> { ["BATON_BACKEND"] = "postgres://u@127.0.0.1:1/db" } };

        var (exitCode, output, _) = await BatonProcess.RunAsync(launch, "locks");

        Assert.Equal(42, exitCode);
        Assert.Contains("args: locks", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileUrl_StaysInTheLocalBuild_EvenWithANetworkUrlAfterTheSeparator()
    {
        using var directory = new LockDirectory();
        var (exitCode, output, error) = await BatonProcess.RunAsync(Launch(), "run", "job", "--backend", directory.Url, "--", "echo", "--backend", "etcd://x:1");

        Assert.True(exitCode == 0, error);
        Assert.Contains("--backend etcd://x:1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("args:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("elect", "scheduler")]
    [InlineData("join", "workers")]
    public async Task FileUrl_OfElectAndJoin_StaysInTheLocalBuild_EvenWithANetworkUrlAfterTheSeparator(string verb, string name)
    {
        using var directory = new LockDirectory();
        var (exitCode, output, error) = await BatonProcess.RunAsync(Launch(), verb, name, "--backend", directory.Url, "--", "echo", "--backend", "etcd://x:1");

        Assert.True(exitCode == 0, error);
        Assert.Contains("--backend etcd://x:1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("args:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoNetworkExecutable_SaysSo_AndGoesOnWithoutHandingOver()
    {
        var copy = Path.Combine(Path.GetDirectoryName(LocalBuild.Value)!, "..", "baton-local-alone");
        CopyDirectory(Path.GetDirectoryName(LocalBuild.Value)!, copy, skip: "baton-network");

        var (exitCode, _, error) = await BatonProcess.RunAsync(new BatonLaunch(Path.Combine(copy, "Baton.Cli.dll")), "locks", "--backend", "etcd://127.0.0.1:1");

        // Native AOT has no etcd code then (64: unknown scheme); this JIT copy still finds Baton.Etcd.dll beside it (69).
        Assert.True(exitCode is 64 or 69, $"exit {exitCode}: {error}");
        Assert.Contains("baton-network, which has the others, is not beside it", error, StringComparison.Ordinal);
    }

    private static BatonLaunch Launch() => new(LocalBuild.Value);

    private static string CopyLocalBuild()
    {
        var target = Path.Combine(AppContext.BaseDirectory, "baton-local");
        CopyDirectory(Path.GetDirectoryName(CliLocator.Assembly)!, target, skip: null);
        var config = Path.Combine(target, "Baton.Cli.runtimeconfig.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        json["runtimeOptions"]!["configProperties"]!["Baton.Cli.NetworkBackends"] = false;
        File.WriteAllText(config, json.ToJsonString());
        var network = Path.Combine(target, "baton-network");
        File.WriteAllText(network, "#!/bin/sh\necho \"args: $*\"\nexit 42\n");
        File.SetUnixFileMode(network, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Path.Combine(target, "Baton.Cli.dll");
    }

    private static void CopyDirectory(string source, string target, string? skip)
    {
        // Beside the tests, replaced at each run (see FallbackBuild).
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            if (Path.GetFileName(file) != skip)
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }
    }
}
