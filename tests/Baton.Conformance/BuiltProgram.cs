using System.Reflection;

namespace Baton.Conformance;

/// <summary>
/// Finds a program of this repository that tests run as a child process (the test holder, the <c>baton</c>
/// command), and the dotnet host to run it on the tests' own runtime.
/// </summary>
public static class BuiltProgram
{
    /// <summary>The dotnet host running these tests, so a child runs on the same runtime.</summary>
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
    /// Finds <paramref name="fileName"/>: the file named by <paramref name="pathVariable"/> when set; else beside the
    /// tests; else the project's own output, <c>PROJECT/bin/CONFIGURATION/TFM/</c>, found by walking up from the
    /// test directory, preferring the tests' configuration (a test project references the program with
    /// <c>ReferenceOutputAssembly="false"</c>, which builds it in that configuration).
    /// </summary>
    /// <param name="fileName">The program's assembly, such as <c>Baton.TestHolder.dll</c>.</param>
    /// <param name="projectDirectory">The project's directory relative to the repository, such as <c>tests/Baton.TestHolder</c>.</param>
    /// <param name="pathVariable">The environment variable that may name the assembly instead.</param>
    /// <param name="tests">An assembly of the tests, whose build configuration is preferred.</param>
    /// <exception cref="FileNotFoundException">Not found; the message says where it looked and what to do.</exception>
    public static string Locate(string fileName, string projectDirectory, string pathVariable, Assembly tests)
    {
        ArgumentNullException.ThrowIfNull(tests);
        var fromEnvironment = Environment.GetEnvironmentVariable(pathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new FileNotFoundException($"{pathVariable} names '{fromEnvironment}', which does not exist.", fromEnvironment);
        }

        var testDirectory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var beside = Path.Combine(testDirectory.FullName, fileName);
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

        if (tests.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } built)
        {
            configurations.Add(built);
        }

        configurations.AddRange(["Debug", "Release"]);
        var projectName = Path.GetFileName(projectDirectory);
        var tried = new List<string>();
        foreach (var configuration in configurations.Distinct(StringComparer.Ordinal))
        {
            for (var directory = testDirectory; directory is not null; directory = directory.Parent)
            {
                foreach (var project in (string[])[Path.Combine(directory.FullName, projectName), Path.Combine(directory.FullName, projectDirectory)])
                {
                    foreach (var framework in tfm == "net10.0" ? [tfm] : (string[])[tfm, "net10.0"])
                    {
                        var candidate = Path.Combine(project, "bin", configuration, framework, fileName);
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
            $"Cannot find {fileName} (looked beside the tests in '{testDirectory.FullName}' and at: "
            + $"{(tried.Count == 0 ? $"no {projectDirectory} above it" : string.Join(", ", tried.Distinct(StringComparer.Ordinal)))}). Reference {projectDirectory} from the test project "
            + $"with ReferenceOutputAssembly=\"false\" so it is built, or set {pathVariable} to its dll.");
    }

    private static bool IsRunnable(string dll) => File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));
}
