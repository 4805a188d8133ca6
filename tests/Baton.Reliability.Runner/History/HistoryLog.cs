using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Baton.Reliability.History;

/// <summary>
/// The shared, append-only history file. Every record is one write(2) of one whole line on a descriptor opened
/// with O_APPEND, so the kernel places each line at the end atomically: lines of different processes never
/// interleave, and a process killed with SIGKILL leaves whole lines only.
/// </summary>
public sealed partial class HistoryLog : IDisposable
{
    private const int OWronly = 0x1;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int OCloexec = 0x80000;
    private const int Mode = 0x1B0; // 0660

    private readonly SafeFileHandle _handle;

    private HistoryLog(SafeFileHandle handle) => _handle = handle;

    /// <summary>Opens (creating) the history for appending.</summary>
    public static HistoryLog Open(string path)
    {
        var fd = OpenFile(path, OWronly | OCreat | OAppend | OCloexec, Mode);
        if (fd < 0)
        {
            throw new IOException($"Cannot open the history '{path}': errno {Marshal.GetLastPInvokeError()}.");
        }

        return new HistoryLog(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>Appends one record as one line, in one write(2).</summary>
    public void Append(Record record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Encoding.ASCII.GetBytes(record.Format() + "\n");
        var written = Write(_handle, bytes, bytes.Length);
        if (written != bytes.Length)
        {
            throw new IOException($"Appending to the history wrote {written} of {bytes.Length} bytes: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Every whole record of the history at <paramref name="path"/>, in file order; none when it does not exist.</summary>
    public static IReadOnlyList<Record> ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var records = new List<Record>();
        while (reader.ReadLine() is { } line)
        {
            if (Record.TryParse(line) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(SafeFileHandle fd, byte[] buffer, nint count);
}
