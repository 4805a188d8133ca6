// Baton.Reliability.Runner — the long runs of the reliability harness (docs/RELIABILITY.md), and its worker.
//
//   dotnet run -c Release --project tests/Baton.Reliability.Runner -- --backend URL
//       [--fault none|kill|stop|restart|delete|clean|starve|leader-kill|cluster-crash] [--processes N] [--iterations M] [--seed S]
//       [--fencing on|off] [--hold-ms H] [--faults K] [--starve-seconds T] [--timeout-seconds T] [--header]
//
// --backend is a Baton backend URL, or `none` (no lock) or `naive` (a naive delete-on-release lock file): the
// control arms. A file URL without a path gets a directory of the run's own; a restart run starts a private server
// of the URL's scheme, a leader-kill or cluster-crash run a private three-member cluster of it (the URL's query options are kept).
// It prints one markdown table row (--header: the header first) and exits 1 when the checker found any violation,
// 64 on bad arguments.
//
// `worker …` is the child process the harness starts (see Workload/WorkerCommand.cs).

using System.Globalization;
using Baton.Reliability.Harness;
using Baton.Reliability.Workload;

if (args.Length > 0 && args[0] == "worker")
{
    return await WorkerCommand.RunAsync(args[1..]);
}

RunSpec spec;
bool header;
try
{
    (spec, header) = RunnerArguments.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"Baton.Reliability.Runner: {e.Message}\n{RunnerArguments.Usage}");
    return 64;
}

Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {spec.Seed}; repeat with: {spec.Command}"));
RunResult result;
try
{
    result = await ReliabilityRun.ExecuteAsync(spec);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"Baton.Reliability.Runner: {e.Message}");
    return 64;
}

if (header)
{
    Console.WriteLine(RunResult.MarkdownHeader);
}

Console.WriteLine(result.MarkdownRow);
Console.Error.WriteLine(result.Report);
if (result.KeptDirectory is not null)
{
    Console.Error.WriteLine($"history and counter kept in {result.KeptDirectory}");
}

return result.Report.Violations == 0 ? 0 : 1;
