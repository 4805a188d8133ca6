using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using Perfolizer.Horology;

namespace Baton.Benchmarks;

/// <summary>
/// The default job for a 2-core machine: one launch, 6 warm-up and 20 measured iterations of about
/// 250 ms each, so one benchmark case takes about 10 s and the whole suite (9 cases) about 1.5 minutes
/// on a 2-core machine, build included.
/// </summary>
/// <remarks>
/// Why this is still statistically sane: each iteration runs as many operations as fit in 250 ms (the
/// pilot stage sizes it: about 2 million uncontended cycles, 100,000 handoffs), so every iteration mean
/// is itself an average over many calls; 20 of them give the 99.9 % confidence interval that
/// BenchmarkDotNet prints (Error), about 1 % of the mean for the uncontended cases here and 10–35 % for
/// the thread-pool-bound handoff cases. BenchmarkDotNet's own default (up to 100 iterations of 500 ms)
/// narrows that interval further, but run-to-run noise of a shared 2-vCPU VM is larger than that
/// anyway: compare only figures of the same run, through the Ratio column. For a longer run pass
/// <c>--job Default</c>, or <c>--iterationCount N</c> / <c>--launchCount N</c>.
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
            .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
}
