namespace Baton.Hosting.Tests.Support;

/// <summary>Fresh lock directories for file:// hosts: one per use, under one root that goes when the test process exits.</summary>
internal static class TestDirectories
{
    private static readonly string Root = CreateRoot();

    /// <summary>A <c>file://</c> URL of a directory that does not exist yet (the backend creates it).</summary>
    public static string NewUrl(string purpose) => "file://" + Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}");

    /// <summary>A directory the file backend refuses: writable by every user.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string NewRefusedUrl()
    {
        var path = Path.Combine(Root, $"refused-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("777", 8));
        return "file://" + path;
    }

    private static string CreateRoot() => Baton.Conformance.Files.TestRoot.Create("baton-hosting-tests");
}
