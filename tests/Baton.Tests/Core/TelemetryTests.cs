using System.Diagnostics;
using Baton.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Baton.Tests.Core;

[CollectionDefinition(nameof(SerialTelemetryTests), DisableParallelization = true)]
public sealed class SerialTelemetryTests;

/// <summary>The meter and activity source are process-wide, so these tests run alone.</summary>
[Collection(nameof(SerialTelemetryTests))]
public sealed class TelemetryTests
{
    [Fact]
    public async Task Acquire_Success_CountsAcquisitionAndHoldTime()
    {
        using var acquisitions = new MetricCollector<long>(BatonTelemetry.Acquisitions);
        using var holdTime = new MetricCollector<double>(BatonTelemetry.HoldTime);
        await using var coordinator = await Coordinator.ConnectAsync("memory://telemetry");

        var handle = await coordinator.CreateLock(NewName()).AcquireAsync();
        await handle.ReleaseAsync();

        var acquired = Assert.Single(acquisitions.GetMeasurementSnapshot());
        Assert.Equal(1, acquired.Value);
        Assert.Equal("lock", acquired.Tags["baton.kind"]);
        Assert.Equal("exclusive", acquired.Tags["baton.mode"]);
        Assert.Equal("memory", acquired.Tags["baton.backend"]);
        Assert.True(Assert.Single(holdTime.GetMeasurementSnapshot()).Value >= 0);
    }

    [Fact]
    public async Task TryAcquire_Held_CountsTimeout()
    {
        using var timeouts = new MetricCollector<long>(BatonTelemetry.Timeouts);
        await using var coordinator = await Coordinator.ConnectAsync("memory://telemetry");
        var name = NewName();
        await using var held = await coordinator.CreateLock(name).AcquireAsync();

        Assert.Null(await coordinator.CreateLock(name).TryAcquireAsync());
        Assert.Null(await coordinator.CreateLock(name).TryAcquireAsync(TimeSpan.FromMilliseconds(20)));

        Assert.Equal(2, timeouts.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task Acquire_AfterWaiting_RecordsWaitTime()
    {
        using var waitTime = new MetricCollector<double>(BatonTelemetry.WaitTime);
        await using var coordinator = await Coordinator.ConnectAsync("memory://telemetry");
        var name = NewName();
        var held = await coordinator.CreateLock(name).AcquireAsync();

        var waiting = coordinator.CreateLock(name).AcquireAsync().AsTask();
        await held.ReleaseAsync();
        await using var next = await waiting;

        Assert.Equal(2, waitTime.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task Break_Holder_CountsLoss()
    {
        using var losses = new MetricCollector<long>(BatonTelemetry.Losses);
        await using var coordinator = await Coordinator.ConnectAsync("memory://telemetry");
        var name = NewName();
        await using var held = await coordinator.CreateLock(name).AcquireAsync();

        await coordinator.BreakLockAsync(name);

        Assert.True(held.IsLost);
        Assert.Equal(1, Assert.Single(losses.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task Acquire_WithListener_StartsAcquireActivityWithTags()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == BatonTelemetry.Name,
            Sample = static (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var coordinator = await Coordinator.ConnectAsync("memory://telemetry");
        var name = NewName();

        await using (var handle = await coordinator.CreateLock(name).AcquireAsync())
        {
            var activity = Assert.Single(activities, a => (string?)a.GetTagItem("baton.name") == name);
            Assert.Equal("baton.acquire", activity.OperationName);
            Assert.Equal(true, activity.GetTagItem("baton.acquired"));
            Assert.Equal(handle.FencingToken, activity.GetTagItem("baton.fencing_token"));
        }
    }

    [Fact]
    public void Meter_AndActivitySource_AreNamedBaton()
    {
        Assert.Equal("Baton", BatonTelemetry.Meter.Name);
        Assert.Equal("Baton", BatonTelemetry.ActivitySource.Name);
    }

    private static string NewName() => $"telemetry-{Guid.NewGuid():N}";
}
