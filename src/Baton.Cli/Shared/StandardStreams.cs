using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Baton.Cli.Shared;

/// <summary>
/// Standard input, output and error as plain streams on descriptors 0, 1 and 2. Not <see cref="Console"/>: its
/// first write to a terminal initializes .NET's terminal handling, which switches the terminal to keypad mode
/// (<c>ESC[?1h ESC=</c>) and never switches it back — a command-line tool must leave the terminal as it was.
/// </summary>
internal static class StandardStreams
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static readonly DescriptorWriteStream OutStream = new(1);

    /// <summary>Standard output, flushed at every write.</summary>
    public static TextWriter Out { get; } = new StreamWriter(OutStream, Utf8) { AutoFlush = true };

    /// <summary>True once a write to standard output failed: whoever read it has gone (<c>baton members --watch | head -1</c>).</summary>
    public static bool OutputClosed => OutStream.Failed;

    /// <summary>Standard error, flushed at every write.</summary>
    public static TextWriter Error { get; } = OpenWriter(2);

    /// <summary>Standard input.</summary>
    public static TextReader In { get; } = OpenReader();

    // write(2) at the file's own offset, not a FileStream's position (see DescriptorWriteStream); a closed
    // descriptor just loses what is written to it, which is not baton's failure.
    private static StreamWriter OpenWriter(int descriptor) =>
        new StreamWriter(new DescriptorWriteStream(descriptor), Utf8) { AutoFlush = true };

    private static TextReader OpenReader()
    {
        try
        {
            return new StreamReader(new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 1), Utf8);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return TextReader.Null;
        }
    }
}
