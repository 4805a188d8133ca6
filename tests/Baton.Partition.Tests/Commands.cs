using System.Diagnostics;

namespace Baton.Partition.Tests;

/// <summary>Runs the system's network tools (ip, nft) and fails loudly with what they printed.</summary>
internal static class Commands
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; throws unless it exits 0.</summary>
    public static void Run(string program, params string[] arguments) => RunWithInput(program, null, arguments);

    /// <summary>Runs <paramref name="program"/> with <paramref name="input"/> on its standard input; throws unless it exits 0.</summary>
    public static void RunWithInput(string program, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {Limit.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Result.Trim()} {output.Result.Trim()}");
        }
    }

    /// <summary>The path of <paramref name="program"/> in the usual system directories, or null.</summary>
    public static string? Find(string program) =>
        new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
