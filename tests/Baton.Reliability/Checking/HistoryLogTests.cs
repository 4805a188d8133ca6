using Baton.Reliability.History;
using Xunit;
using Record = Baton.Reliability.History.Record;

namespace Baton.Reliability.Tests.Checking;

public sealed class HistoryLogTests
{
    [Fact]
    public async Task Append_ManyWritersAtOnce_LinesNeverInterleave()
    {
        var path = Path.Combine(Path.GetTempPath(), $"baton-history-{Guid.NewGuid():N}");
        try
        {
            // Separate descriptors, as separate processes have: only O_APPEND keeps their lines whole.
            await Task.WhenAll(Enumerable.Range(1, 4).Select(writer => Task.Run(() =>
            {
                using var log = HistoryLog.Open(path);
                for (var i = 0; i < 500; i++)
                {
                    log.Append(new Record(RecordKind.Begin, writer, i, long.MaxValue - i, MonotonicClock.Nanoseconds, new string('x', 100)));
                }
            })));

            var records = HistoryLog.ReadAll(path);
            Assert.Equal(2000, records.Count);
            Assert.Equal(2000, File.ReadAllLines(path).Length);
            Assert.All(Enumerable.Range(1, 4), writer => Assert.Equal(500, records.Count(r => r.Pid == writer)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MonotonicClock_ReadTwice_NeverGoesBack()
    {
        var first = MonotonicClock.Nanoseconds;
        var second = MonotonicClock.Nanoseconds;

        Assert.True(first > 0 && second >= first, $"{first} then {second}");
    }
}
