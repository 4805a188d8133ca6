using System.Reflection;

namespace Baton.Conformance.CrossProcess;

/// <summary>Finds the holder program and the dotnet host that runs it.</summary>
internal static class HolderLocator
{
    private const string HolderFileName = "Baton.TestHolder.dll";

    /// <summary>The dotnet host running these tests, to run the child on the same runtime.</summary>
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
    /// Finds Baton.TestHolder.dll: <c>BATON_TEST_HOLDER</c>; else beside the tests (when a project copies it
    /// there); else the holder project's own output, <c>tests/Baton.TestHolder/bin/CONFIGURATION/TFM/</c>, found
    /// by walking up from the test directory, preferring the tests' configuration (test projects reference
    /// the holder with <c>ReferenceOutputAssembly="false"</c>, which builds it in that configuration).
    /// </summary>
    public static string LocateHolderAssembly()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(HolderProcess.HolderPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new FileNotFoundException($"{HolderProcess.HolderPathVariable} names '{fromEnvironment}', which does not exist.", fromEnvironment);
        }

        var testDirectory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var beside = Path.Combine(testDirectory.FullName, HolderFileName);
        if (IsRunnable(beside))
        {
            return beside;
        }

        // The tests run from .../bin/<Configuration>/<tfm>/.
        var tfm = testDirectory.Name;
        var configurations = new List<string>();
        if (testDirectory.Parent is { } configurationDirectory && configurationDirectory.Parent?.Name == "bin")
        {
            configurations.Add(configurationDirectory.Name);
        }

        if (typeof(HolderLocator).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } built)
        {
            configurations.Add(built);
        }

        configurations.AddRange(["Debug", "Release"]);
        var tried = new List<string>();
        foreach (var configuration in configurations.Distinct(StringComparer.Ordinal))
        {
            for (var directory = testDirectory; directory is not null; directory = directory.Parent)
            {
                foreach (var project in (string[])[Path.Combine(directory.FullName, "Baton.TestHolder"), Path.Combine(directory.FullName, "tests", "Baton.TestHolder")])
                {
                    foreach (var framework in tfm == "net10.0" ? [tfm] : (string[])[tfm, "net10.0"])
                    {
                        var candidate = Path.Combine(project, "bin", configuration, framework, HolderFileName);
                        if (IsRunnable(candidate))
                        {
                            return candidate;
                        }

                        if (Directory.Exists(project))
                        {
                            tried.Add(candidate);
                        }
                    }
                }
            }
        }

        throw new FileNotFoundException(
            $"Cannot find {HolderFileName} for the cross-process tests (looked beside the tests in '{testDirectory.FullName}' and at: "
            + $"{(tried.Count == 0 ? "no tests/Baton.TestHolder above it" : string.Join(", ", tried))}). Reference tests/Baton.TestHolder from the test project "
            + $"with ReferenceOutputAssembly=\"false\" so it is built, or set {HolderProcess.HolderPathVariable} to its dll.");
    }

    private static bool IsRunnable(string dll) => File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));
}
