namespace Baton.TestHolder;

/// <summary>Writes whole lines to stdout, one at a time and flushed, from any thread.</summary>
internal sealed class LineWriter(TextWriter writer)
{
    private readonly Lock _gate = new();

    /// <summary>Replaces line breaks so a message stays on one protocol line.</summary>
    public static string OneLine(string text) => text.ReplaceLineEndings(" ");

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            try
            {
                writer.Write(line);
                writer.Write('\n');
                writer.Flush();
            }
            catch (IOException)
            {
                // The parent is gone; stdin's end of file will stop the holder.
            }
        }
    }
}

/// <summary>The holder's exit codes (sysexits.h, as the baton command uses).</summary>
internal static class ExitCodes
{
    public const int Usage = 64;
    public const int Unavailable = 69;
    public const int Software = 70;
}
