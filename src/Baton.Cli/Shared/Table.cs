namespace Baton.Cli.Shared;

/// <summary>The aligned tables of <c>locks</c>, <c>leader</c> and <c>members</c>: columns two spaces apart, the last one unpadded.</summary>
internal static class Table
{
    /// <summary>Writes the rows (the first is the header) to standard output.</summary>
    /// <param name="rows">Cells already made printable (<see cref="Terminal.Printable"/>); every row as long as the header.</param>
    public static void Write(IReadOnlyList<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            var line = string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i])));
            StandardStreams.Out.WriteLine(line.TrimEnd());
        }
    }
}
