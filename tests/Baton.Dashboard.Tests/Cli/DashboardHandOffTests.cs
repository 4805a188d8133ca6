using System.Text.Json.Nodes;
using Baton.Dashboard.Tests.Support;
using Xunit;

namespace Baton.Dashboard.Tests.Cli;

/// <summary>
/// `baton` and `baton-network` of a Native AOT publish have no dashboard (the switch off, so ASP.NET Core is trimmed
/// away) and hand `baton dashboard` to `baton-dashboard` beside them, unchanged. Tested on a copy of the build with
/// the switch off in its runtimeconfig.json and a `baton-dashboard` that reports what it was given.
/// </summary>
public sealed class DashboardHandOffTests
{
    [Fact]
    public async Task Dashboard_WithoutTheFeature_HandedToBatonDashboardWithEveryArgument()
    {
        var copy = CopyBuild("baton-without-dashboard", withSibling: true);

        var (exitCode, output, error) = await BatonCli.RunAssemblyAsync(copy, "dashboard", "--backend", "etcd://127.0.0.1:1", "--urls", "http://127.0.0.1:0");

        Assert.True(exitCode == 42, $"exit {exitCode}: {error}");
        Assert.Contains("args: dashboard --backend etcd://127.0.0.1:1 --urls http://127.0.0.1:0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherVerbs_WithoutTheFeature_NotHandedOver()
    {
        var copy = CopyBuild("baton-without-dashboard-locks", withSibling: true);
        using var locks = new TempLocks();

        var (exitCode, output, error) = await BatonCli.RunAssemblyAsync(copy, "locks", "--backend", locks.Url);

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.DoesNotContain("args:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_WithoutTheFeatureOrTheSibling_SaysSoAndExits64()
    {
        var copy = CopyBuild("baton-without-dashboard-alone", withSibling: false);

        var (exitCode, _, error) = await BatonCli.RunAssemblyAsync(copy, "dashboard", "--urls", "http://127.0.0.1:0");

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("baton-dashboard, which has it, is not beside it", error, StringComparison.Ordinal);
    }

    private static string CopyBuild(string name, bool withSibling)
    {
        var target = Path.Combine(AppContext.BaseDirectory, name);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(BatonCli.BuiltAssembly)!))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        var config = Path.Combine(target, "Baton.Cli.runtimeconfig.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        json["runtimeOptions"]!["configProperties"]!["Baton.Cli.Dashboard"] = false;
        File.WriteAllText(config, json.ToJsonString());
        if (withSibling)
        {
            var sibling = Path.Combine(target, "baton-dashboard");
            File.WriteAllText(sibling, "#!/bin/sh\necho \"args: $*\"\nexit 42\n");
            File.SetUnixFileMode(sibling, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return Path.Combine(target, "Baton.Cli.dll");
    }
}
