using System.Reflection;

namespace Baton.Cli.Tests;

/// <summary>Finds the built command (Baton.Cli.dll, the assembly behind `baton`) and the dotnet host to run it.</summary>
internal static class CliLocator
{
    /// <summary>Names a Baton.Cli.dll to test instead of the one found in the build output.</summary>
    public const string PathVariable = "BATON_CLI_DLL";

    private const string FileName = "Baton.Cli.dll";

    private static readonly Lazy<string> Located = new(Locate);

    /// <summary>The CLI assembly.</summary>
    public static string Assembly => Located.Value;

    /// <summary>The dotnet host running these tests, so the command runs on the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            var current = Environment.ProcessPath;
            if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            {
                return current;
            }

            var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(fromCli) && File.Exists(fromCli) ? fromCli : "dotnet";
        }
    }

    /// <summary>
    /// <c>BATON_CLI_DLL</c>; else the CLI project's own output, <c>src/Baton.Cli/bin/CONFIGURATION/TFM/</c>, found by
    /// walking up from the test directory, preferring the tests' configuration (the project reference with
    /// ReferenceOutputAssembly="false" builds it in that configuration).
    /// </summary>
    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new FileNotFoundException($"{PathVariable} names '{fromEnvironment}', which does not exist.", fromEnvironment);
        }

        var testDirectory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var tfm = testDirectory.Name;
        var configurations = new List<string>();
        if (testDirectory.Parent is { } configurationDirectory && configurationDirectory.Parent?.Name == "bin")
        {
            configurations.Add(configurationDirectory.Name);
        }

        if (typeof(CliLocator).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } built)
        {
            configurations.Add(built);
        }

        configurations.AddRange(["Debug", "Release"]);
        var tried = new List<string>();
        foreach (var configuration in configurations.Distinct(StringComparer.Ordinal))
        {
            for (var directory = testDirectory; directory is not null; directory = directory.Parent)
            {
                var project = Path.Combine(directory.FullName, "src", "Baton.Cli");
                if (!Directory.Exists(project))
                {
                    continue;
                }

                var candidate = Path.Combine(project, "bin", configuration, tfm, FileName);
                if (File.Exists(candidate) && File.Exists(Path.ChangeExtension(candidate, ".runtimeconfig.json")))
                {
                    return candidate;
                }

                tried.Add(candidate);
            }
        }

        throw new FileNotFoundException(
            $"Cannot find {FileName} (looked at: {(tried.Count == 0 ? "no src/Baton.Cli above " + testDirectory.FullName : string.Join(", ", tried))}). "
            + $"Build src/Baton.Cli, or set {PathVariable}.");
    }
}
