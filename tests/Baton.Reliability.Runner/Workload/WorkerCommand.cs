using System.Globalization;
using Baton.Reliability.History;

namespace Baton.Reliability.Workload;

/// <summary>
/// <c>worker</c>: one process of the workload, started by the harness.
/// <code>
/// worker --lock URL|none|naive:PATH --name NAME --history FILE --counter FILE --fencing on|off
///        --iterations M --timeout-ms T --hold-ms H
/// </code>
/// Connected, it prints <c>READY pid</c> and waits for a line <c>go</c> on stdin (so that every worker starts
/// together), runs, prints <c>DONE</c> and exits 0. It cannot connect: <c>FATAL message</c>, exit 69; bad
/// arguments: exit 64. Closing its stdin before <c>go</c> ends it.
/// </summary>
public static class WorkerCommand
{
    /// <summary>Runs the worker with its arguments (after the word <c>worker</c>).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        string[] required = ["--lock", "--name", "--history", "--counter", "--fencing", "--iterations", "--timeout-ms", "--hold-ms"];
        if (args.Length % 2 != 0 || required.Any(r => !options.ContainsKey(r)))
        {
            await Console.Error.WriteLineAsync($"usage: worker {string.Join(' ', required.Select(r => r + " VALUE"))}");
            return 64;
        }

        var settings = new WorkerSettings
        {
            Iterations = int.Parse(options["--iterations"], CultureInfo.InvariantCulture),
            AcquireTimeout = TimeSpan.FromMilliseconds(int.Parse(options["--timeout-ms"], CultureInfo.InvariantCulture)),
            Hold = TimeSpan.FromMilliseconds(int.Parse(options["--hold-ms"], CultureInfo.InvariantCulture)),
        };

        IExclusion exclusion;
        try
        {
            exclusion = await ConnectAsync(options["--lock"], options["--name"]);
        }
        catch (Exception e)
        {
            Console.WriteLine($"FATAL {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return 69;
        }

        await using (exclusion)
        {
            using var counter = CounterResource.Open(options["--counter"], fenced: options["--fencing"] == "on");
            using var history = HistoryLog.Open(options["--history"]);
            Console.WriteLine($"READY {Environment.ProcessId}");
            if (await Console.In.ReadLineAsync() != "go")
            {
                return 0;
            }

            await new Worker(settings, exclusion, counter, history, Environment.ProcessId).RunAsync(CancellationToken.None);
        }

        Console.WriteLine("DONE");
        return 0;
    }

    /// <summary>What guards the section: <c>none</c>, <c>naive:PATH</c>, or a Baton backend URL.</summary>
    public static async Task<IExclusion> ConnectAsync(string lockSpec, string name)
    {
        ArgumentNullException.ThrowIfNull(lockSpec);
        if (lockSpec == "none")
        {
            return new NoExclusion();
        }

        if (lockSpec.StartsWith("naive:", StringComparison.Ordinal))
        {
            return new NaiveFileExclusion(lockSpec["naive:".Length..]);
        }

        return new BatonExclusion(await Coordinator.ConnectAsync(lockSpec), name);
    }
}
