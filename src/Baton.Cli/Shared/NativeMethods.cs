using System.Runtime.InteropServices;

namespace Baton.Cli.Shared;

/// <summary>The few libc calls .NET has no API for.</summary>
internal static partial class NativeMethods
{
    /// <summary>SIGHUP's number on Linux.</summary>
    public const int SIGHUP = 1;

    /// <summary>SIGINT's number on Linux.</summary>
    public const int SIGINT = 2;

    /// <summary>SIGCHLD's number on Linux (x86, ARM, RISC-V).</summary>
    public const int SIGCHLD = 17;

    /// <summary>SIGKILL's number on Linux.</summary>
    public const int SIGKILL = 9;

    /// <summary>SIGTERM's number on Linux.</summary>
    public const int SIGTERM = 15;

    /// <summary>ENOENT: no such file or directory.</summary>
    public const int ENOENT = 2;

    /// <summary>ENOTDIR: a component of a path is not a directory.</summary>
    public const int ENOTDIR = 20;

    /// <summary>EINTR: a system call interrupted by a signal handler.</summary>
    public const int EINTR = 4;

    /// <summary>access(2)'s "may execute" mode.</summary>
    public const int X_OK = 1;

    /// <summary>write(2): writes at the descriptor's own offset (shared with whoever else writes to that file).</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    /// <summary>kill(2): sends a signal to a process.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>access(2): whether this process may use a path in the given way (0 when it may).</summary>
    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    /// <summary>waitpid(2): waits for a child and collects its status (the child is reaped).</summary>
    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    /// <summary>waitid(P_PID, pid, &amp;info, WEXITED | WNOWAIT): waits until the child has ended, leaving it unreaped (0, or -1).</summary>
    public static unsafe int WaitForChildNoReap(int pid)
    {
        const int P_PID = 1;
        const int WEXITED = 4;
        const int WNOWAIT = 0x01000000;
        var info = stackalloc byte[128]; // siginfo_t; its contents are not needed
        return WaitId(P_PID, pid, info, WEXITED | WNOWAIT);
    }

    /// <summary>signal(2) with SIG_DFL: restores a signal's default action.</summary>
    public static void SetDefaultAction(int signal) => _ = Signal(signal, 0);

    /// <summary>tcgetpgrp(3): the foreground process group of the terminal on a descriptor, or -1.</summary>
    [LibraryImport("libc", EntryPoint = "tcgetpgrp", SetLastError = true)]
    public static partial int GetTerminalForegroundGroup(int fd);

    /// <summary>ioctl(2) request for a terminal's size (Linux).</summary>
    public const nuint TIOCGWINSZ = 0x5413;

    /// <summary>ioctl(fd, TIOCGWINSZ, &amp;size): a terminal's size, without initializing .NET's terminal handling.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int GetWindowSize(int fd, nuint request, out WindowSize size);

    /// <summary>getpgrp(2): this process's process group.</summary>
    [LibraryImport("libc", EntryPoint = "getpgrp")]
    public static partial int GetProcessGroup();

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static unsafe partial int WaitId(int idType, int id, byte* info, int options);

    /// <summary>struct winsize.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct WindowSize
    {
        /// <summary>Rows.</summary>
        public ushort Rows;

        /// <summary>Columns.</summary>
        public ushort Columns;

        /// <summary>Width in pixels (unused).</summary>
        public ushort XPixels;

        /// <summary>Height in pixels (unused).</summary>
        public ushort YPixels;
    }
}
