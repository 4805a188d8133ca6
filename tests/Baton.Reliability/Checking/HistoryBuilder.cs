using Baton.Reliability.History;

namespace Baton.Reliability.Tests.Checking;

/// <summary>Handmade histories: times in milliseconds, turned into the nanoseconds the records carry.</summary>
internal sealed class HistoryBuilder
{
    private readonly List<Record> _records = [];

    public IReadOnlyList<Record> Records => _records;

    /// <summary>A whole section of <paramref name="pid"/> from <paramref name="begin"/> to <paramref name="end"/> ms, its write accepted.</summary>
    public HistoryBuilder Section(int pid, int iteration, long token, long begin, long end, string write = "accepted", string outcome = "ok") =>
        Begin(pid, iteration, token, begin)
            .Add(RecordKind.Write, pid, iteration, token, end, write)
            .Add(RecordKind.End, pid, iteration, token, end, outcome);

    public HistoryBuilder Begin(int pid, int iteration, long token, long at) => Add(RecordKind.Begin, pid, iteration, token, at);

    public HistoryBuilder Driver(RecordKind kind, int pid, long at) => Add(kind, pid, -1, Record.NoToken, at);

    public HistoryBuilder Add(RecordKind kind, int pid, int iteration, long token, long at, string detail = "")
    {
        _records.Add(new Record(kind, pid, iteration, token, at * 1_000_000, detail));
        return this;
    }
}
