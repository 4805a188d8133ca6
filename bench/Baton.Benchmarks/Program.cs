using BenchmarkDotNet.Running;

namespace Baton.Benchmarks;

/// <summary>
/// Runs the micro-benchmarks. Every BenchmarkDotNet argument works, for example
/// <c>dotnet run -c Release --project bench/Baton.Benchmarks -- --filter '*'</c> or
/// <c>--filter '*Uncontended*'</c>; see bench/README.md.
/// </summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
}
