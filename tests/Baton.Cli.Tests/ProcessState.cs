namespace Baton.Cli.Tests;

/// <summary>Whether a process (a command baton started) still lives.</summary>
internal static class ProcessState
{
    /// <summary>Alive: /proc has it and it is not a zombie waiting for its new parent to reap it.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="pid"/> has died; fails after <see cref="BatonProcess.Patience"/>.</summary>
    public static async Task WaitUntilGoneAsync(int pid)
    {
        var deadline = DateTime.UtcNow + BatonProcess.Patience;
        while (IsAlive(pid))
        {
            Xunit.Assert.True(DateTime.UtcNow < deadline, $"the command (pid {pid}) outlived its baton");
            await Task.Delay(20); // No event tells another process's death; poll with a deadline.
        }
    }
}
