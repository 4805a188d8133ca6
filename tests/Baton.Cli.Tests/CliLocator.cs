using Baton.Conformance;

namespace Baton.Cli.Tests;

/// <summary>Finds the built command (Baton.Cli.dll, the assembly behind `baton`) and the dotnet host to run it.</summary>
internal static class CliLocator
{
    /// <summary>Names a Baton.Cli.dll to test instead of the one found in the build output.</summary>
    public const string PathVariable = "BATON_CLI_DLL";

    private static readonly Lazy<string> Located = new(() =>
        BuiltProgram.Locate("Baton.Cli.dll", "src/Baton.Cli", PathVariable, typeof(CliLocator).Assembly));

    /// <summary>The CLI assembly.</summary>
    public static string Assembly => Located.Value;

    /// <summary>The dotnet host running these tests, so the command runs on the same runtime.</summary>
    public static string DotnetHost => BuiltProgram.DotnetHost;
}
