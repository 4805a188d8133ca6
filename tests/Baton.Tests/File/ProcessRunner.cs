using System.Diagnostics;

namespace Baton.Tests.Files;

/// <summary>Runs a peer program (Python, util-linux flock) for the interoperability tests.</summary>
internal static class ProcessRunner
{
    public const string Python = "/usr/bin/python3";

    public static Process Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
    }

    /// <summary>Reads the next line the peer prints, failing with its stderr when it prints none in time.</summary>
    public static async Task<string> ReadLineAsync(Process process, TimeSpan timeout)
    {
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
        return line ?? throw new InvalidOperationException($"{process.StartInfo.FileName} ended early: {await process.StandardError.ReadToEndAsync()}");
    }

    public static async Task<string> RunAsync(TimeSpan timeout, string fileName, params string[] arguments)
    {
        using var process = Start(fileName, arguments);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} exited with {process.ExitCode}: {await error}");
        }

        return await output;
    }
}
