namespace Baton.Cli.Shared;

/// <summary>What baton may assume about its standard streams.</summary>
internal static class Terminal
{
    /// <summary>
    /// Standard error is a terminal that understands <c>\r</c> and "erase to end of line" (<c>TERM</c> is not
    /// <c>dumb</c>): live status lines go there. When false, baton writes no status line at all.
    /// </summary>
    public static bool StatusLines =>
        !Console.IsErrorRedirected
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    /// <summary>Both standard input and standard error are terminals: a person can be asked a question.</summary>
    public static bool CanAsk => !Console.IsInputRedirected && !Console.IsErrorRedirected;

    /// <summary>
    /// This process runs in the foreground process group of the terminal on standard input or error, so a
    /// key such as Ctrl-C reaches every process of that group (baton and the command it started) at once.
    /// </summary>
    public static bool InForegroundGroup
    {
        get
        {
            var group = NativeMethods.GetProcessGroup();
            return NativeMethods.GetTerminalForegroundGroup(0) == group || NativeMethods.GetTerminalForegroundGroup(2) == group;
        }
    }

    /// <summary>
    /// The width in columns of the terminal on standard error (else standard output), or 80 when neither is one.
    /// Read with ioctl rather than <see cref="Console.WindowWidth"/>, which initializes .NET's terminal handling and
    /// writes keypad-mode escapes to the terminal.
    /// </summary>
    public static int Width
    {
        get
        {
            foreach (var fd in (int[])[2, 1])
            {
                if (NativeMethods.GetWindowSize(fd, NativeMethods.TIOCGWINSZ, out var size) == 0 && size.Columns > 10)
                {
                    return size.Columns;
                }
            }

            return 80;
        }
    }

    /// <summary>Text safe to show: control characters written as <c>\xNN</c> or <c>\uNNNN</c>, so a name cannot move the cursor.</summary>
    /// <param name="text">Any text, such as a lock name.</param>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? (c < 0x100 ? $"\\x{(int)c:X2}" : $"\\u{(int)c:X4}") : c.ToString());
        }

        return builder.ToString();
    }
}
