using System.Globalization;
using Baton.SideBySide.Subjects;

namespace Baton.SideBySide;

/// <summary>The command line.</summary>
internal sealed class HarnessOptions
{
    public const string Usage =
        """
        Baton.SideBySide: the shared/PEERS.md method (uncontended, contended, handoff), fairness and the CPU of a
        blocked waiter, for several subjects in one run.

        usage: dotnet run -c Release --project bench/Baton.SideBySide -- [options]

          --subjects A,B,...     subjects, comma-separated; the first is the reference of the ratios
                                 (default: baton:memory://,semaphoreslim)
          --subject SPEC         one more subject (repeatable; for commands that contain commas)
          --measures LIST        uncontended,contended,handoff,waiting (default: all four)
          --cycles N             uncontended: timed cycles (default 2000, the method's minimum)
          --warmup-cycles N      uncontended: at least N warm-up cycles (default 1000)
          --warmup-ms MS         uncontended: and at least MS of warm-up (default 500)
          --seconds S            contended: duration (default 5; e.g. 1 for a quick look)
          --workers N            contended: workers on the one name (default 4)
          --trials N             handoff: trials (default 30)
          --hold-ms MIN-MAX      handoff: random hold of the holder (default 50-150)
          --seed N               seed of the random holds (default 1)
          --wait-seconds S       waiting: how long a waiter stays blocked while its CPU is measured (default 5)
          --name NAME            lock name (default: unique per run)
          --json PATH            also write every raw sample and setting as JSON
          --vs LABEL             a ratio column against this subject (repeatable; default: the first subject)
          --baton-placement P    auto, in-process or processes: where Baton's contending clients run
                                 (auto: in-process for memory://, separate processes for every other
                                 scheme, e.g. file://; the uncontended client is always this process);
                                 DistributedLock.Redis's and DistributedLock.Postgres's follow it
          --process-timeout S    kill a process subject after S seconds (default 600)
          --peer-mode            measure the single subject given and print its JSON result on stdout
                                 (the process-peer protocol; the table goes to stderr)
          -h, --help             this text

        subjects:
        """;

    public List<string> Subjects { get; } = [];

    public MeasureSettings Settings { get; } = new();

    public string? JsonPath { get; private set; }

    public bool PeerMode { get; private set; }

    /// <summary>Subjects the table gives a ratio column against (empty: the first subject).</summary>
    public List<string> RatioReferences { get; } = [];

    public BatonPlacement BatonPlacement { get; private set; } = BatonPlacement.Auto;

    /// <summary>Set in a child process started by <see cref="ChildProcesses.ChildProcess"/>: worker or agent.</summary>
    public string? ChildRole { get; private set; }

    public bool ShowHelp { get; private set; }

    public TimeSpan ProcessTimeout { get; private set; } = TimeSpan.FromMinutes(10);

    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var options = new HarnessOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            switch (arg)
            {
                case "-h" or "--help":
                    options.ShowHelp = true;
                    break;
                case "--subjects":
                    options.Subjects.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--subject":
                    options.Subjects.Add(Value());
                    break;
                case "--measures":
                    options.Settings.Measures = ParseMeasures(Value());
                    break;
                case "--cycles":
                    options.Settings.Cycles = PositiveInt(arg, Value());
                    break;
                case "--warmup-cycles":
                    options.Settings.WarmupCycles = NonNegativeInt(arg, Value());
                    break;
                case "--warmup-ms":
                    options.Settings.WarmupMs = NonNegativeInt(arg, Value());
                    break;
                case "--seconds":
                    options.Settings.Seconds = PositiveDouble(arg, Value());
                    break;
                case "--workers":
                    options.Settings.Workers = PositiveInt(arg, Value());
                    break;
                case "--trials":
                    options.Settings.Trials = PositiveInt(arg, Value());
                    break;
                case "--hold-ms":
                    (options.Settings.HoldMinMs, options.Settings.HoldMaxMs) = ParseRange(arg, Value());
                    break;
                case "--seed":
                    options.Settings.Seed = NonNegativeInt(arg, Value());
                    break;
                case "--name":
                    options.Settings.LockName = Value();
                    break;
                case "--wait-seconds":
                    options.Settings.WaitSeconds = PositiveDouble(arg, Value());
                    break;
                case "--vs":
                    options.RatioReferences.Add(Value());
                    break;
                case "--baton-placement":
                    options.BatonPlacement = Enum.TryParse<BatonPlacement>(Value().Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var placement) && Enum.IsDefined(placement)
                        ? placement
                        : throw new ArgumentException($"--baton-placement takes auto, in-process or processes; got '{args[i]}'.");
                    break;
                case "--child":
                    options.ChildRole = Value();
                    break;
                case "--json":
                    options.JsonPath = Value();
                    break;
                case "--process-timeout":
                    options.ProcessTimeout = TimeSpan.FromSeconds(PositiveDouble(arg, Value()));
                    break;
                case "--peer-mode":
                    options.PeerMode = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{arg}'; see --help.");
            }
        }

        if (options.Subjects.Count == 0)
        {
            options.Subjects.AddRange(["baton:memory://", "semaphoreslim"]);
        }

        if ((options.PeerMode || options.ChildRole is not null) && options.Subjects.Count != 1)
        {
            throw new ArgumentException($"--peer-mode and --child take exactly one subject; got {options.Subjects.Count}.");
        }

        return options;
    }

    private static List<Measure> ParseMeasures(string value)
    {
        var measures = new List<Measure>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<Measure>(part, ignoreCase: true, out var measure) || !Enum.IsDefined(measure))
            {
                throw new ArgumentException($"Unknown measure '{part}'; use uncontended, contended, handoff or waiting.");
            }

            if (!measures.Contains(measure))
            {
                measures.Add(measure);
            }
        }

        return measures.Count > 0 ? measures : throw new ArgumentException("--measures names no measure.");
    }

    private static (int Min, int Max) ParseRange(string option, string value)
    {
        var parts = value.Split('-');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            && min <= max)
        {
            return (min, max);
        }

        throw new ArgumentException($"{option} takes MIN-MAX in milliseconds, such as 50-150; got '{value}'.");
    }

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{option} takes a positive whole number; got '{value}'.");

    private static int NonNegativeInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{option} takes a whole number >= 0; got '{value}'.");

    private static double PositiveDouble(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n)
            ? n
            : throw new ArgumentException($"{option} takes a positive number; got '{value}'.");
}
