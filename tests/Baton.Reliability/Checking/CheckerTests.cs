using Baton.Reliability.Checking;
using Baton.Reliability.History;
using Xunit;
using Record = Baton.Reliability.History.Record;

namespace Baton.Reliability.Tests.Checking;

public sealed class CheckerTests
{
    [Fact]
    public void Check_SerialSectionsWithRisingTokens_FindsNoViolation()
    {
        var history = new HistoryBuilder().Section(1, 0, 10, 0, 5).Section(2, 0, 11, 6, 9).Section(1, 1, 12, 10, 12);

        var report = Checker.Check(history.Records, finalCounter: 3);

        Assert.Equal(0, report.Violations);
        Assert.Equal((3, 3, 0), (report.Attempted, report.Acquired, report.TimedOut));
    }

    [Fact]
    public void Check_TwoCleanSectionsOverlap_CountsOneOverlap()
    {
        var history = new HistoryBuilder().Section(1, 0, 10, 0, 5).Section(2, 0, 11, 4, 9);

        var report = Checker.Check(history.Records, finalCounter: 2);

        Assert.Equal(1, report.Overlaps);
        Assert.Equal(1, report.Violations);
    }

    [Fact]
    public void Check_SectionsThatOnlyTouch_DoNotOverlap()
    {
        var history = new HistoryBuilder().Section(1, 0, 10, 0, 5).Section(2, 0, 11, 5, 9);

        Assert.Equal(0, Checker.Check(history.Records, finalCounter: 2).Overlaps);
    }

    [Fact]
    public void Check_OverlapWithALostHolder_IsCountedApartNotAsViolation()
    {
        var history = new HistoryBuilder().Section(1, 0, 10, 0, 8, outcome: "lost").Section(2, 0, 11, 4, 9);

        var report = Checker.Check(history.Records, finalCounter: 2);

        Assert.Equal((0, 1, 1), (report.Overlaps, report.IndeterminateOverlaps, report.Lost));
        Assert.Equal(0, report.Violations);
    }

    [Fact]
    public void Check_OverlapWithAHolderPausedInside_IsCountedApart()
    {
        var history = new HistoryBuilder()
            .Begin(1, 0, 10, 0)
            .Driver(RecordKind.Stop, 1, 1)
            .Section(2, 0, 11, 3, 4)
            .Driver(RecordKind.Continue, 1, 5)
            .Add(RecordKind.Write, 1, 0, 10, 6, "rejected")
            .Add(RecordKind.End, 1, 0, 10, 6, "ok");

        var report = Checker.Check(history.Records, finalCounter: 1);

        Assert.Equal((0, 1, 1), (report.Overlaps, report.IndeterminateOverlaps, report.StaleRejected));
        Assert.Equal(0, report.Violations);
    }

    [Fact]
    public void Check_KilledHolder_EndsAtTheKill()
    {
        // Killed at 4 ms: a section from 5 ms does not overlap it, one from 3 ms does.
        var after = new HistoryBuilder().Begin(1, 0, 10, 0).Driver(RecordKind.Kill, 1, 4).Section(2, 0, 11, 5, 6);
        var before = new HistoryBuilder().Begin(1, 0, 10, 0).Section(2, 0, 11, 3, 6).Driver(RecordKind.Kill, 1, 4);

        var clean = Checker.Check(after.Records, finalCounter: 1);
        var violated = Checker.Check(before.Records, finalCounter: 1);

        Assert.Equal((0, 1, 0), (clean.Violations, clean.Killed, clean.IndeterminateOverlaps));
        Assert.Equal(1, violated.Overlaps);
    }

    [Fact]
    public void Check_SectionWithoutEndOrKill_IsUnfinishedAndIndeterminate()
    {
        var history = new HistoryBuilder().Begin(1, 0, 10, 0).Section(2, 0, 11, 3, 6);

        var report = Checker.Check(history.Records, finalCounter: 1);

        Assert.Equal((0, 1), (report.Overlaps, report.IndeterminateOverlaps));
    }

    [Fact]
    public void Check_TokenNotGreaterThanThePrevious_CountsRegressions()
    {
        var history = new HistoryBuilder().Section(1, 0, 10, 0, 1).Section(2, 0, 10, 2, 3).Section(1, 1, 9, 4, 5).Section(2, 1, 12, 6, 7);

        Assert.Equal(2, Checker.Check(history.Records, finalCounter: 4).TokenViolations);
    }

    [Fact]
    public void Check_SectionsWithoutTokens_AreNotOrderedByToken()
    {
        var history = new HistoryBuilder().Section(1, 0, Record.NoToken, 0, 1).Section(2, 0, Record.NoToken, 2, 3);

        Assert.Equal(0, Checker.Check(history.Records, finalCounter: 2).TokenViolations);
    }

    [Theory]
    [InlineData(1, 1)] // two accepted writes, one increment left: a lost update
    [InlineData(2, 0)]
    [InlineData(3, 0)] // the killed section without a write record may have written
    [InlineData(4, 1)] // more than anyone wrote
    public void Check_FinalCounter_MustLieBetweenAcceptedAndAcceptedPlusAmbiguous(long finalCounter, long expected)
    {
        var history = new HistoryBuilder()
            .Section(1, 0, 10, 0, 1)
            .Section(2, 0, 11, 2, 3)
            .Begin(1, 1, 12, 4)
            .Driver(RecordKind.Kill, 1, 5)
            .Section(2, 1, 13, 6, 7, write: "rejected");

        var report = Checker.Check(history.Records, finalCounter);

        Assert.Equal((2, 1), (report.AcceptedWrites, report.AmbiguousWrites));
        Assert.Equal(expected, report.CounterViolations);
    }

    [Fact]
    public void Check_StaleWriteAccepted_IsAViolation()
    {
        var history = new HistoryBuilder().Section(1, 0, 10, 0, 1).Section(2, 0, 11, 2, 3, write: "stale");

        var report = Checker.Check(history.Records, finalCounter: 2);

        Assert.Equal((1, 0, 1L), (report.StaleAccepted, report.StaleRejected, report.Violations));
    }

    [Fact]
    public void Check_Faults_CountedInsideAHoldOnlyWhenTheyLandInOne()
    {
        var history = new HistoryBuilder()
            .Section(1, 0, 10, 0, 10)
            .Driver(RecordKind.Restart, 0, 5) // inside 1's section
            .Driver(RecordKind.Kill, 2, 8) // 2 holds nothing then
            .Begin(3, 0, 11, 20)
            .Driver(RecordKind.Stop, 3, 25);

        Assert.Equal(2, Checker.Check(history.Records, finalCounter: 1).FaultsInsideHolds);
    }

    [Fact]
    public void Check_TimeoutsAndErrors_AreAttemptsWithoutSections()
    {
        var history = new HistoryBuilder()
            .Section(1, 0, 10, 0, 1)
            .Add(RecordKind.Timeout, 2, 0, Record.NoToken, 2)
            .Add(RecordKind.Error, 3, 0, Record.NoToken, 3, "BackendUnavailableException");

        var report = Checker.Check(history.Records, finalCounter: 1);

        Assert.Equal((3, 1, 1, 1), (report.Attempted, report.Acquired, report.TimedOut, report.Failed));
    }

    [Fact]
    public void Check_KillInsideASection_MeasuresTakeoverToTheNextBeginOfAnotherProcess()
    {
        var history = new HistoryBuilder()
            .Begin(1, 0, 10, 0)
            .Driver(RecordKind.Kill, 1, 100)
            .Section(2, 0, 11, 130, 140)
            .Section(3, 0, 12, 150, 160)
            .Driver(RecordKind.Kill, 3, 200) // between sections: released nothing, measures nothing
            .Section(2, 1, 13, 210, 220);

        var report = Checker.Check(history.Records, finalCounter: 3);

        Assert.Equal([30.0], report.TakeoverMilliseconds);
    }

    [Fact]
    public void Record_FormatThenParse_RoundTripsAndATornLineIsIgnored()
    {
        var record = new Record(RecordKind.End, 42, 7, 123456789012, 987654321, "lost");

        Assert.Equal(record, Record.TryParse(record.Format()));
        Assert.Null(Record.TryParse("BEGIN 42 7 1234"));
        Assert.Null(Record.TryParse("NONSENSE 1 2 3 4"));
    }
}
