namespace Baton.Tests.Files;

/// <summary>
/// Fresh lock directories for the file backend's tests: one per use, under one root in the temporary
/// directory, never shared between runs; the root goes when the test process exits.
/// </summary>
internal static class TestDirectories
{
    private static readonly string Root = CreateRoot();

    /// <summary>A path for a lock directory that does not exist yet (the backend creates it, 0700).</summary>
    public static string NewPath(string purpose) => Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}");

    /// <summary>A <c>file://</c> URL for a directory of its own, with optional query.</summary>
    public static string NewUrl(string purpose, string query = "") => "file://" + NewPath(purpose) + query;

    private static string CreateRoot() => Baton.Conformance.Files.TestRoot.Create("baton-file-tests");
}
