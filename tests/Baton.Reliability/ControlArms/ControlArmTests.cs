using Baton.Reliability.Harness;
using Baton.Reliability.Tests.Support;
using Xunit;

namespace Baton.Reliability.Tests.ControlArms;

/// <summary>
/// The checker can see violations: the same load without a lock, and with the naive lock file under an outside
/// deleter, shows them; Baton's file backend under the same load shows none, also while an outside process cleans its
/// directory all the time, and while an outside process deletes its lock files, held or not, all the time (the guard
/// file keeps a newcomer out while the deleted file's holder holds on).
/// </summary>
public sealed class ControlArmTests
{
    private static RunSpec Load(string backend, FaultKind fault = FaultKind.None) =>
        new() { Backend = backend, Fault = fault, Processes = 4, Iterations = 25, Seed = Runs.Seed, Hold = TimeSpan.FromMilliseconds(2) };

    [Fact]
    public async Task NoLock_FourProcesses_ShowsOverlapsAndLostUpdates()
    {
        var result = await Runs.RunAsync(Load("none"));

        Assert.True(result.Report.Overlaps > 0 && result.Report.CounterViolations > 0, result.Report.ToString());
    }

    [Fact]
    public async Task FileBackend_SameLoad_ShowsNoViolation()
    {
        var result = await Runs.RunAsync(Load("file://"));

        Runs.AssertClean(result);
        Assert.Equal(100, result.Report.FinalCounter);
    }

    [Fact]
    public async Task NaiveDeleteOnReleaseLock_LockFilesDeletedOutside_ShowsOverlaps()
    {
        var result = await Runs.RunAsync(Load("naive", FaultKind.Delete));

        Assert.True(result.Report.Overlaps > 0, result.Report.ToString());
    }

    /// <summary>Also with records beside the lock files (api=flock, layout=oslo): deleting those costs no acquisition.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("?api=flock")]
    [InlineData("?layout=oslo&prefix=svc")]
    public async Task FileBackend_LockFilesDeletedOutsideAllTheTime_ShowsNoViolation(string query)
    {
        var result = await Runs.RunAsync(Load("file://" + query, FaultKind.Delete));

        Runs.AssertClean(result, minimumFaults: 1);
        Assert.Equal(100, result.Report.FinalCounter);
    }

    [Fact]
    public async Task FileBackend_CleanedFromOutsideAllTheTime_ShowsNoViolation()
    {
        var result = await Runs.RunAsync(Load("file://", FaultKind.Clean));

        Runs.AssertClean(result, minimumFaults: 1);
    }

    [Fact]
    public async Task MemoryBackend_TasksOfOneProcess_ShowNoViolation()
    {
        var result = await Runs.RunAsync(Load("memory://") with { Iterations = 50 });

        Runs.AssertClean(result);
        Assert.Equal(200, result.Report.FinalCounter);
    }
}
