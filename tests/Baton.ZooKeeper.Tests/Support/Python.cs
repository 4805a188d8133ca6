using System.Diagnostics;
using Xunit;

namespace Baton.ZooKeeper.Tests.Support;

/// <summary>Runs a script with Debian's python3 (which has kazoo; another python3 may come first on PATH).</summary>
internal static class Python
{
    public static async Task<string> RunAsync(string script)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-");
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, $"python failed: {await error}");
        return output;
    }
}
