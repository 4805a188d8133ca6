namespace Baton.Cli.Tests;

/// <summary>
/// The command as a machine without a C compiler builds it: a copy of the build output without
/// libbatonspawn.so, so `baton run` starts its command through util-linux setpriv. Made once per test run.
/// </summary>
internal static class FallbackBuild
{
    /// <summary>The native helper's file name in the build output (see src/Baton.Cli/Native/Native.targets).</summary>
    public const string NativeHelper = "libbatonspawn.so";

    private static readonly Lazy<string> Copied = new(Copy);

    /// <summary>Baton.Cli.dll of the copy.</summary>
    public static string Assembly => Copied.Value;

    /// <summary>Whether the build under test has the native helper (this repository's machines have cc).</summary>
    public static bool NativeHelperBuilt => File.Exists(Path.Combine(Path.GetDirectoryName(CliLocator.Assembly)!, NativeHelper));

    private static string Copy()
    {
        var source = Path.GetDirectoryName(CliLocator.Assembly)!;
        // Beside the tests, replaced at each run: a temporary directory would outlive test hosts that end without
        // running exit handlers.
        var target = Path.Combine(AppContext.BaseDirectory, "baton-without-native-helper");
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            if (Path.GetFileName(file) != NativeHelper)
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        return Path.Combine(target, Path.GetFileName(CliLocator.Assembly));
    }
}
