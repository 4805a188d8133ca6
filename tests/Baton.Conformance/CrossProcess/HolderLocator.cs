namespace Baton.Conformance.CrossProcess;

/// <summary>Finds the holder program and the dotnet host that runs it.</summary>
internal static class HolderLocator
{
    /// <summary>The dotnet host running these tests, to run the child on the same runtime.</summary>
    public static string DotnetHost => BuiltProgram.DotnetHost;

    /// <summary>Finds Baton.TestHolder.dll: <c>BATON_TEST_HOLDER</c>, beside the tests, or in its project's build output.</summary>
    public static string LocateHolderAssembly() =>
        BuiltProgram.Locate("Baton.TestHolder.dll", "tests/Baton.TestHolder", HolderProcess.HolderPathVariable, typeof(HolderLocator).Assembly);
}
