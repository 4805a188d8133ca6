using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.Tests.Files.Audit;

/// <summary>
/// Audit of takeover notices in the default layout (records inside the lock file). A holder that shares the name
/// (a semaphore slot, a read hold) is killed while another holder keeps it. When that other holder then releases
/// cleanly, its probe (whole-file lock, <c>LockFile.Release</c>) succeeds — the dead holder's locks are gone — and
/// it unlinks the file with the dead holder's record inside: the next holder is never told of the crash. With
/// records beside the lock file (<c>layout=oslo</c>) the dead record survives and the notice is given: the control arm.
/// </summary>
[Collection(FileProcessTestGroup.Name)]
public sealed class AuditTakeoverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("semaphore", "")]
    [InlineData("read", "")]
    [InlineData("semaphore", "?layout=oslo&prefix=svc")]
    [InlineData("read", "?layout=oslo&prefix=svc")]
    public async Task CoHolderKilled_SurvivorReleasesCleanly_NextHolderGetsTheNotice(string kind, string query)
    {
        var url = TestDirectories.NewUrl("audit-coholder", query);
        await using var coordinator = await Coordinator.ConnectAsync(url);
        var child = await HolderProcess.StartAsync(url);
        try
        {
            var doomed = await child.AcquireAsync("shared", kind == "semaphore" ? HolderMode.Semaphore(2) : HolderMode.Read, Patience);
            var survivor = kind == "semaphore"
                ? (LockHandleBase)await coordinator.CreateSemaphore("shared", 2).AcquireAsync(Patience)
                : await coordinator.CreateReaderWriterLock("shared").AcquireReadAsync(Patience);

            await child.KillHardAsync();
            await survivor.DisposeAsync();

            await using var next = kind == "semaphore"
                ? (LockHandleBase)await coordinator.CreateSemaphore("shared", 2).AcquireAsync(Patience)
                : await coordinator.CreateReaderWriterLock("shared").AcquireWriteAsync(Patience);
            var notice = next.Takeover;
            Assert.True(notice is not null, $"The holder with fencing token {doomed.FencingToken} was killed, but the next holder got no takeover notice.");
            Assert.Equal(doomed.FencingToken, notice.PreviousFencingToken);
        }
        finally
        {
            await child.DisposeAsync();
        }
    }
}
