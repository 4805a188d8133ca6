namespace Baton.Hostile.Tests.Support;

/// <summary>Fresh directories under one root per test process, removed (permissions opened first) when it exits.</summary>
internal static class TestDirectories
{
    private static readonly string Root = CreateRoot();

    /// <summary>A path that does not exist yet, inside a parent of its own (so anything escaping it shows up beside it).</summary>
    public static string NewPath(string purpose)
    {
        var parent = Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(parent);
        return Path.Combine(parent, "locks");
    }

    private static string CreateRoot()
    {
        var root = Baton.Conformance.Files.TestRoot.Create("baton-hostile-tests");
        Directory.CreateDirectory(root);
        return root;
    }
}
