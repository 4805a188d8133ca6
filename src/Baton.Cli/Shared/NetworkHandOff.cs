using System.Runtime.InteropServices;

namespace Baton.Cli.Shared;

/// <summary>
/// A Native AOT publish makes two executables: <c>baton</c>, with the file and memory backends only, and
/// <c>baton-network</c> beside it, with every backend. Every type with static fields costs the process an allocation
/// as it starts, and the network stacks bring thousands of them (bench/README.md, "The baton command's startup"),
/// so the local job keeps its start quick and a command line for a network backend is handed to
/// <c>baton-network</c> by execve(2): the same process id, arguments, environment and descriptors, as git hands
/// <c>https://</c> remotes to <c>git-remote-https</c>. Builds with every backend (<c>dotnet run</c>, the .NET tool)
/// hand nothing over. The dashboard is handed to <c>baton-dashboard</c> the same way (<see cref="DashboardFeature"/>).
/// </summary>
internal static partial class NetworkHandOff
{
    /// <summary>The executable with every backend, beside <c>baton</c>.</summary>
    public const string NetworkExecutable = "baton-network";

    private static readonly string[] LocalSchemes = ["file", "memory"];

    /// <summary>Replaces this process with <c>baton-dashboard</c> or <c>baton-network</c> when this build lacks the dashboard or the backend the command line names; returns otherwise.</summary>
    /// <param name="arguments">The whole command line.</param>
    /// <param name="own">Its part before <c>--</c> (baton's own arguments).</param>
    public static void ExecIfNeeded(string[] arguments, string[] own)
    {
        if (!DashboardFeature.Enabled && own is [DashboardFeature.Verb, ..])
        {
            ExecSibling(DashboardFeature.Executable, arguments, "the dashboard",
                $"this baton has no dashboard, and {DashboardFeature.Executable}, which has it, is not beside it in {AppContext.BaseDirectory}.");
            return;
        }

        if (BackendPackages.NetworkBackends)
        {
            return;
        }

        var url = BackendArgument(own) ?? Environment.GetEnvironmentVariable("BATON_BACKEND");
        var scheme = url?.IndexOf("://", StringComparison.Ordinal) is > 0 and var end ? url[..end].ToLowerInvariant() : null;
        if (scheme is null || LocalSchemes.Contains(scheme))
        {
            return;
        }

        // The registry then reports the scheme as unknown.
        ExecSibling(NetworkExecutable, arguments, $"the {scheme}:// backend",
            $"this baton has the file and memory backends only, and {NetworkExecutable}, which has the others, is not beside it in {AppContext.BaseDirectory}.");
    }

    // Returns only when the sibling is missing (the verb then reports what it lacks); exits when it cannot be started.
    private static void ExecSibling(string executable, string[] arguments, string what, string missing)
    {
        var path = Path.Combine(AppContext.BaseDirectory, executable);
        if (!File.Exists(path))
        {
            Report.Error(missing);
            return;
        }

        string?[] argv = [path, .. arguments, null];
        _ = Exec(path, argv);
        Report.Error($"cannot start {path} for {what}: {Marshal.GetLastPInvokeErrorMessage()}");
        Environment.Exit(ExitCodes.OsError);
    }

    /// <summary>
    /// In <c>baton-network</c> and <c>baton-dashboard</c>, names the process <c>baton</c> (prctl PR_SET_NAME), as the
    /// user started it: listings show holders by process name, and ps shows that too.
    /// </summary>
    public static void KeepTheNameBaton()
    {
        if (BackendPackages.NetworkBackends && Path.GetFileName(Environment.ProcessPath) is NetworkExecutable or DashboardFeature.Executable)
        {
            _ = SetName(PR_SET_NAME, "baton");
        }
    }

    /// <summary>The value of <c>--backend</c> (or <c>-b</c>) among baton's own arguments, in any of the forms the parser takes.</summary>
    internal static string? BackendArgument(string[] own)
    {
        for (var i = 0; i < own.Length; i++)
        {
            foreach (var name in (ReadOnlySpan<string>)["--backend", "-b"])
            {
                if (own[i] == name && i + 1 < own.Length)
                {
                    return own[i + 1];
                }

                if (own[i].Length > name.Length && own[i].StartsWith(name, StringComparison.Ordinal) && own[i][name.Length] is '=' or ':')
                {
                    return own[i][(name.Length + 1)..];
                }
            }
        }

        return null;
    }

    private const int PR_SET_NAME = 15;

    [LibraryImport("libc", EntryPoint = "prctl", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetName(int option, string name);

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Exec(string path, string?[] argv);
}
