using System.Globalization;

namespace Baton.Reliability.Harness;

/// <summary>The runner's command line.</summary>
public static class RunnerArguments
{
    /// <summary>The usage line.</summary>
    public const string Usage =
        "usage: Baton.Reliability.Runner --backend URL|none|naive [--fault none|kill|stop|restart|delete|clean|starve|leader-kill|cluster-crash] [--processes N] [--iterations M] "
        + "[--seed S] [--fencing on|off] [--hold-ms H] [--faults K] [--starve-seconds T] [--timeout-seconds T] [--header]";

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing or bad value; the message says which.</exception>
    public static (RunSpec Spec, bool Header) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var spec = new RunSpec { Backend = string.Empty, Seed = Environment.TickCount & 0xFFFF };
        var header = false;
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            if (option == "--header")
            {
                header = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"option '{option}' needs a value.");
            }

            var value = args[++i];
            spec = option switch
            {
                "--backend" => spec with { Backend = value },
                "--fault" => spec with
                {
                    Fault = FaultNames.Parse(value)
                        ?? throw new ArgumentException($"unknown fault '{value}': expected {string.Join(", ", FaultNames.All.SkipLast(1))} or {FaultNames.All[^1]}."),
                },
                "--processes" => spec with { Processes = Number(option, value) },
                "--iterations" => spec with { Iterations = Number(option, value) },
                "--seed" => spec with { Seed = Number(option, value) },
                "--faults" => spec with { FaultCount = Number(option, value) },
                "--hold-ms" => spec with { Hold = TimeSpan.FromMilliseconds(Number(option, value)) },
                "--starve-seconds" => spec with { StarveFor = TimeSpan.FromSeconds(Number(option, value)) },
                "--timeout-seconds" => spec with { TimeLimit = TimeSpan.FromSeconds(Number(option, value)) },
                "--fencing" => spec with
                {
                    Fencing = value switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new ArgumentException($"--fencing takes on or off, not '{value}'."),
                    },
                },
                _ => throw new ArgumentException($"unknown option '{option}'."),
            };
        }

        if (spec.Backend.Length == 0)
        {
            throw new ArgumentException("--backend URL is required (a Baton backend URL, or none, or naive).");
        }

        return (spec, header);
    }

    private static int Number(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new ArgumentException($"{option} takes a non-negative whole number, not '{value}'.");
}
