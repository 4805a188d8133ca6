using System.Text;
using Baton.Reliability.History;

namespace Baton.Reliability.Harness;

/// <summary>Follows the history file as workers append to it: reads only what is new, whole lines only.</summary>
internal sealed class HistoryFollower(string path) : IDisposable
{
    private readonly List<Record> _records = [];
    private readonly Dictionary<int, Record> _open = [];
    private readonly StringBuilder _partial = new();
    private FileStream? _stream;

    /// <summary>Every record read so far.</summary>
    public IReadOnlyList<Record> Records => _records;

    /// <summary>How many sections have begun so far.</summary>
    public int Begins { get; private set; }

    /// <summary>Reads what was appended since the last call.</summary>
    public void Poll()
    {
        if (_stream is null)
        {
            if (!File.Exists(path))
            {
                return;
            }

            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        var buffer = new byte[64 * 1024];
        int read;
        while ((read = _stream.Read(buffer)) > 0)
        {
            _partial.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var text = _partial.ToString();
        var last = text.LastIndexOf('\n');
        if (last < 0)
        {
            return;
        }

        foreach (var line in text[..last].Split('\n'))
        {
            if (Record.TryParse(line) is { } record)
            {
                Add(record);
            }
        }

        _partial.Clear().Append(text[(last + 1)..]);
    }

    /// <summary>The section open now (BEGIN without END, not killed) that began last, among <paramref name="alive"/> pids.</summary>
    public Record? Holder(ISet<int> alive) =>
        _open.Values.Where(r => alive.Contains(r.Pid)).OrderByDescending(r => r.Nanoseconds).FirstOrDefault();

    public void Dispose() => _stream?.Dispose();

    private void Add(Record record)
    {
        _records.Add(record);
        switch (record.Kind)
        {
            case RecordKind.Begin:
                _open[record.Pid] = record;
                Begins++;
                break;
            case RecordKind.End or RecordKind.Kill:
                _open.Remove(record.Pid);
                break;
        }
    }
}
