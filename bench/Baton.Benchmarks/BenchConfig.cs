using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Baton.Benchmarks;

/// <summary>
/// The default job for a 2-core machine: one launch, 6 warm-up and 20 measured iterations of about
/// 250 ms each, so one benchmark case takes about 8 s and the whole suite a few minutes.
/// </summary>
/// <remarks>
/// Why this is still statistically sane: every iteration runs millions of operations (the pilot stage
/// sizes it to 250 ms), so a per-iteration mean is itself an average over ~10^6 calls; 20 of them give
/// a 99.9 % confidence interval that BenchmarkDotNet prints (the Error column) and that stays within a
/// few percent here. BenchmarkDotNet's own default (up to 100 iterations of 500 ms, several launches
/// when asked) mostly narrows that interval further, which the noise of a shared 2-vCPU VM swamps
/// anyway: compare only figures from the same run, and use the Ratio column. Pass <c>--job default</c>
/// or <c>--iterationCount</c>/<c>--launchCount</c> for a longer run.
/// </remarks>
public static class BenchConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddJob(Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(6)
                .WithIterationCount(20)
                .WithIterationTime(TimeInterval.FromMilliseconds(250))
                .WithId("Short2Core")
                .AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median, StatisticColumn.P95)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
}
