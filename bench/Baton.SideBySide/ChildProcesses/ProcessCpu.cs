using System.Globalization;

namespace Baton.SideBySide.ChildProcesses;

/// <summary>CPU time of a whole process (all threads), from <c>/proc/PID/stat</c> on Linux.</summary>
internal static class ProcessCpu
{
    /// <summary>USER_HZ, the unit of utime and stime: 100 on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime in seconds (10 ms resolution: 0.2 % of one core over 5 s).</summary>
    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may contain spaces: state is
        // field 3, utime field 14, stime field 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }
}
