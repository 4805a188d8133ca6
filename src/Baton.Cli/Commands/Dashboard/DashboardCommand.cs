using System.CommandLine;
using Baton.Cli.Shared;

namespace Baton.Cli.Commands.Dashboard;

/// <summary>
/// <c>baton dashboard [--backend URL] [--urls URL] [--refresh DUR] [--hold-threshold DUR] [--wait-threshold DUR]
/// [--allow-break]</c>: serves the live web page of every lock's holders and waiters and every group's members until
/// SIGINT or SIGTERM (docs/dashboard.md).
/// </summary>
internal static class DashboardCommand
{
    /// <summary>Where it listens by default: loopback only (Baton.Dashboard's DashboardOptions.DefaultUrl).</summary>
    public const string DefaultUrl = "http://127.0.0.1:22866";

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var backend = CommonOptions.Backend();
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to listen: http://HOST:PORT, several separated by ';'; port 0 for any free port. [default: {DefaultUrl}, this machine only]",
            HelpName = "URL",
        };
        urls.Validators.Add(result =>
        {
            var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            if (ListenUrls.Problem(text) is { } problem)
            {
                result.AddError($"--urls: {problem}");
            }
        });
        var refresh = CommonOptions.Duration("--refresh", $"How often to read the backend for live updates (once for every open page): {DurationParser.Syntax}. [default: 500ms]");
        var hold = CommonOptions.Duration("--hold-threshold", "Highlight holds longer than this (the page can change it). [default: 30s]");
        var wait = CommonOptions.Duration("--wait-threshold", "Highlight waits longer than this (the page can change it). [default: 5s]");
        var allowBreak = new Option<bool>("--allow-break")
        {
            Description = "Offer a 'break' button per lock (POST api/locks/break). Off by default: the dashboard only shows.",
        };
        refresh.Validators.Add(result =>
        {
            // The parser reports a value that is no duration; a zero one is refused here.
            var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            if (DurationParser.TryParse(text, out var value, out _) && value <= TimeSpan.Zero)
            {
                result.AddError("--refresh: must be more than 0, such as 500ms.");
            }
        });
        var command = new Command("dashboard", "Serve a live web page of every lock's holders and waiters and every group's members (read-only, this machine only, by default).")
        {
            backend,
            urls,
            refresh,
            hold,
            wait,
            allowBreak,
        };
        command.SetAction(parseResult => Execute(new DashboardSettings(
            CommonOptions.GetBackend(parseResult, backend),
            ListenUrls.Split(parseResult.GetValue(urls)),
            parseResult.GetValue(refresh),
            parseResult.GetValue(hold),
            parseResult.GetValue(wait),
            parseResult.GetValue(allowBreak))));
        Help.SetExamples(
            command,
            "baton dashboard                                      # http://127.0.0.1:22866/, the default backend",
            "baton dashboard --backend etcd://10.0.0.5:2379       # another backend",
            "baton dashboard --urls http://127.0.0.1:0            # any free port (printed)",
            "curl -s http://127.0.0.1:22866/api/locks             # the JSON of 'baton locks --json'");
        return command;
    }

    private static int Execute(DashboardSettings settings)
    {
        if (!DashboardFeature.Enabled)
        {
            // NetworkHandOff found no baton-dashboard beside this executable and said so.
            return ExitCodes.Usage;
        }

        return DashboardSession.Run(settings);
    }
}
