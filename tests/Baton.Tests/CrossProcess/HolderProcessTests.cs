using Baton.Conformance.CrossProcess;
using Xunit;

namespace Baton.Tests.CrossProcess;

/// <summary>One holder child on memory:// (real inside the child), shared by the tests that leave it running.</summary>
public sealed class SharedHolderFixture : IAsyncLifetime
{
    public const string MemberId = "harness-child";

    private HolderProcess? _holder;

    public HolderProcess Holder => _holder ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _holder = await HolderProcess.StartAsync("memory://harness", MemberId);

    public async Task DisposeAsync()
    {
        if (_holder is not null)
        {
            await _holder.DisposeAsync();
        }
    }
}

/// <summary>The cross-process harness itself: the holder child and its protocol, with memory:// inside the child.</summary>
public sealed class HolderProcessTests(SharedHolderFixture fixture) : IClassFixture<SharedHolderFixture>
{
    private HolderProcess Holder => fixture.Holder;

    [Fact]
    public async Task Start_MemoryBackend_ReadyWithChildPid()
    {
        Assert.True(Holder.Pid > 0);
        Assert.NotEqual(Environment.ProcessId, Holder.Pid);
        Assert.False(Holder.HasExited);
        Assert.Equal($"READY {Holder.Pid}", Holder.Output[0].Line);
        var member = await Holder.GetMemberAsync();
        Assert.Equal(Holder.Pid, member.ProcessId);
        Assert.Equal(SharedHolderFixture.MemberId, member.CustomId);
    }

    [Fact]
    public async Task Acquire_FreeName_AcquiredWithPositiveToken()
    {
        var grant = await Holder.AcquireAsync(UniqueName(), HolderMode.Lock);

        Assert.True(grant.FencingToken > 0);
        Assert.Null(grant.Takeover);
        Assert.Null(await grant.GetLossAsync());
        await grant.ReleaseAsync();
    }

    [Fact]
    public async Task Acquire_SameNameTwiceInOneChild_SecondTimesOut()
    {
        var name = UniqueName();
        var first = await Holder.AcquireAsync(name, HolderMode.Lock);

        var acquisition = await Holder.StartAcquireAsync(name, HolderMode.Lock, TimeSpan.FromMilliseconds(100));
        Assert.Null(await acquisition.WaitAsync());
        Assert.Contains(Holder.Output, r => r.Line == $"TIMEOUT {acquisition.Tag}");

        await first.ReleaseAsync();
    }

    [Fact]
    public async Task Release_ThenReacquire_GreaterToken()
    {
        var name = UniqueName();
        var first = await Holder.AcquireAsync(name, HolderMode.Lock);
        await first.ReleaseAsync();

        var second = await Holder.TryAcquireAsync(name, HolderMode.Lock);

        Assert.NotNull(second);
        Assert.True(second.FencingToken > first.FencingToken);
        await second.ReleaseAsync();
    }

    [Fact]
    public async Task Acquire_WhileHeldWithInfiniteTimeout_GrantedOnRelease()
    {
        var name = UniqueName();
        var first = await Holder.AcquireAsync(name, HolderMode.Lock);
        var waiting = await Holder.StartAcquireAsync(name, HolderMode.Lock);
        await Holder.PingAsync();
        Assert.False(waiting.HasCompleted);

        await first.ReleaseAsync();
        var second = await waiting.WaitAsync();

        Assert.NotNull(second);
        Assert.True(second.FencingToken > first.FencingToken);
        await second.ReleaseAsync();
    }

    [Fact]
    public async Task Cancel_PendingAcquire_ReportsCanceled()
    {
        var name = UniqueName();
        var first = await Holder.AcquireAsync(name, HolderMode.Lock);
        var waiting = await Holder.StartAcquireAsync(name, HolderMode.Lock);

        await waiting.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting.WaitAsync());
        var info = Assert.Single(await Holder.ListLocksAsync(), i => i.Name == name);
        Assert.Empty(info.Waiters);
        await first.ReleaseAsync();
    }

    [Fact]
    public async Task List_WithHold_JsonNamesChildPidAndMemberId()
    {
        var name = UniqueName();
        var grant = await Holder.AcquireAsync(name, HolderMode.Lock);

        var json = await Holder.ListLocksJsonAsync();
        Assert.StartsWith("[", json, StringComparison.Ordinal);
        var info = Assert.Single(await Holder.ListLocksAsync(), i => i.Name == name);
        var holder = Assert.Single(info.Holders);
        Assert.Equal(Holder.Pid, holder.Member.ProcessId);
        Assert.Equal(SharedHolderFixture.MemberId, holder.Member.CustomId);
        Assert.Equal(LockMode.Exclusive, holder.Mode);
        Assert.Equal(grant.FencingToken, holder.FencingToken);
        await grant.ReleaseAsync();
    }

    [Theory]
    [InlineData("a/b/../c")]
    [InlineData("  spaced  name  ")]
    [InlineData("naïve – 日本語 🔒")]
    [InlineData("CON")]
    public async Task Acquire_OddName_RoundTripsThroughChild(string label)
    {
        var name = $"{label}#{Guid.NewGuid():N}";
        var grant = await Holder.AcquireAsync(name, HolderMode.Lock);

        Assert.Single(await Holder.ListLocksAsync(), i => i.Name == name);
        Assert.Null(await Holder.TryAcquireAsync(name, HolderMode.Lock));
        await grant.ReleaseAsync();
        Assert.DoesNotContain(await Holder.ListLocksAsync(), i => i.Name == name);
    }

    [Fact]
    public async Task ReadWrite_InChild_SharesReadsUpgradesAndDowngrades()
    {
        var name = UniqueName();
        var reader = await Holder.AcquireAsync(name, HolderMode.Read);
        var otherReader = await Holder.AcquireAsync(name, HolderMode.Read);
        Assert.Null(await Holder.TryAcquireAsync(name, HolderMode.Write));
        Assert.False(await reader.TryUpgradeAsync(TimeSpan.FromMilliseconds(50)));

        await otherReader.ReleaseAsync();
        var readToken = reader.FencingToken;
        Assert.True(await reader.TryUpgradeAsync(Timeout.InfiniteTimeSpan));
        Assert.True(reader.FencingToken > readToken);
        Assert.Null(await Holder.TryAcquireAsync(name, HolderMode.Read));

        await reader.DowngradeAsync();
        var anotherReader = await Holder.TryAcquireAsync(name, HolderMode.Read);
        Assert.NotNull(anotherReader);
        await anotherReader.ReleaseAsync();
        await reader.ReleaseAsync();
    }

    [Fact]
    public async Task Semaphore_OfTwoInChild_ThirdTimesOut()
    {
        var name = UniqueName();
        var first = await Holder.AcquireAsync(name, HolderMode.Semaphore(2));
        var second = await Holder.AcquireAsync(name, HolderMode.Semaphore(2));

        Assert.Null(await Holder.TryAcquireAsync(name, HolderMode.Semaphore(2), TimeSpan.FromMilliseconds(50)));
        var info = Assert.Single(await Holder.ListLocksAsync(), i => i.Name == name);
        Assert.Equal(LockKind.Semaphore, info.Kind);
        Assert.Equal(2, info.Holders.Count);

        await first.ReleaseAsync();
        await second.ReleaseAsync();
    }

    [Fact]
    public async Task Break_HoldInChild_LostReportedAsynchronouslyAndNextGetsTakeover()
    {
        var name = UniqueName();
        var grant = await Holder.AcquireAsync(name, HolderMode.Lock);
        var waiting = await Holder.StartAcquireAsync(name, HolderMode.Lock);

        Assert.Equal(1, await Holder.BreakLockAsync(name));

        Assert.Equal(LossReason.Broken, await grant.WaitForLostAsync());
        Assert.Equal(LossReason.Broken, await grant.GetLossAsync());
        var next = await waiting.WaitAsync();
        Assert.NotNull(next);
        Assert.Equal(new HolderTakeover(grant.FencingToken, TakeoverReason.Broken, Holder.Pid), next.Takeover);
        await next.ReleaseAsync();
        await grant.ReleaseAsync();
    }

    [Theory]
    [InlineData("frobnicate x", "unknown command")]
    [InlineData("acquire x lock !!! 0", "base64url")]
    [InlineData("acquire x sideways YQ 0", "not a mode")]
    [InlineData("acquire x semaphore:0 YQ 0", "between 1 and")]
    [InlineData("acquire x lock YQ soon", "not a timeout")]
    [InlineData("acquire x lock", "usage")]
    [InlineData("release x", "nothing is held")]
    [InlineData("upgrade x 0", "nothing is held")]
    [InlineData("cancel x", "nothing is pending")]
    public async Task BadCommand_ErrorLine_ChildKeepsRunning(string command, string message)
    {
        var reply = await Holder.RequestAsync(command, "x");

        Assert.Equal("ERROR", reply.Keyword);
        Assert.Contains(message, reply.Rest, StringComparison.Ordinal);
        await Holder.PingAsync();
        Assert.False(Holder.HasExited);
    }

    [Fact]
    public async Task Acquire_TagInUse_Error()
    {
        var name = UniqueName();
        var grant = await Holder.AcquireAsync(name, HolderMode.Lock);

        var reply = await Holder.RequestAsync($"acquire {grant.Tag} lock {HolderProcess.EncodeName(UniqueName())} 0", grant.Tag);

        Assert.Equal("ERROR", reply.Keyword);
        Assert.Contains("in use", reply.Rest, StringComparison.Ordinal);
        await grant.ReleaseAsync();
    }

    [Fact]
    public void EncodeName_IsBase64UrlOfUtf8()
    {
        Assert.Equal("YS9iIGM_w6k", HolderProcess.EncodeName("a/b c?é"));
        Assert.True(File.Exists(HolderProcess.HolderAssemblyPath));
    }

    private static string UniqueName() => $"harness/{Guid.NewGuid():N}";
}

/// <summary>Children that exit: each test starts its own.</summary>
public sealed class HolderProcessLifetimeTests
{
    [Fact]
    public async Task KillHard_RunningChild_TerminatesAndReportsExit()
    {
        await using var holder = await HolderProcess.StartAsync("memory://");
        await holder.AcquireAsync("held", HolderMode.Lock);

        var exitCode = await holder.KillHardAsync();

        Assert.True(holder.HasExited);
        Assert.Equal(exitCode, holder.ExitCode);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(137, exitCode); // 128 + SIGKILL
        }

        var failure = await Assert.ThrowsAsync<HolderProcessException>(holder.PingAsync);
        Assert.Contains($"exited with code {exitCode}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_WithHoldsAndPendingAcquire_ReleasesAndExitsZero()
    {
        await using var holder = await HolderProcess.StartAsync("memory://");
        await holder.AcquireAsync("held", HolderMode.Lock);
        var waiting = await holder.StartAcquireAsync("held", HolderMode.Lock);

        var exitCode = await holder.ExitAsync();

        Assert.Equal(0, exitCode);
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting.WaitAsync());
        Assert.Equal("BYE", holder.Output[^1].Line);
    }

    [Fact]
    public async Task CloseInput_ParentGone_ChildReleasesAndExitsZero()
    {
        await using var holder = await HolderProcess.StartAsync("memory://");
        await holder.AcquireAsync("held", HolderMode.Lock);

        var exitCode = await holder.CloseInputAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal("BYE", holder.Output[^1].Line);
    }

    [Theory]
    [InlineData("nosuch://x", "Unknown backend scheme")]
    [InlineData("not a url", "not a backend URL")]
    [InlineData("memory://a,b", "not a memory URL")]
    public async Task Start_BadBackendUrl_ChildReportsErrorAndExitsWithUsageError(string url, string message)
    {
        var failure = await Assert.ThrowsAsync<HolderProcessException>(() => HolderProcess.StartAsync(url));

        Assert.Equal(64, failure.ExitCode);
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
        Assert.Contains("FATAL 64", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadMemberId_ChildExitsWithUsageError()
    {
        var failure = await Assert.ThrowsAsync<HolderProcessException>(() => HolderProcess.StartAsync("memory://", "bad\tid"));

        Assert.Equal(64, failure.ExitCode);
        Assert.Contains("control characters", failure.Message, StringComparison.Ordinal);
    }
}
