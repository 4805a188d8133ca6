using System.CommandLine;
using Baton.Backends;

namespace Baton.Cli.Shared;

/// <summary>Options shared by the verbs: the backend URL and durations.</summary>
internal static class CommonOptions
{
    private const string BackendDescription = "Backend URL: memory://, file:///DIR, redis://…, postgres://…, etcd://…, zookeeper://… "
        + $"[default: ${Coordinator.BackendEnvironmentVariable} when set, else the per-user lock directory";

    private static readonly List<Option<string?>> BackendOptions = [];

    /// <summary>
    /// <c>--backend URL</c>; absent means <see cref="Coordinator.DefaultBackendUrl"/> (<c>BATON_BACKEND</c>, else the
    /// default file directory). Help shows the default with any password hidden (<see cref="DescribeDefaultBackend"/>).
    /// </summary>
    public static Option<string?> Backend()
    {
        var option = new Option<string?>("--backend", "-b") { Description = BackendDescription + "]", HelpName = "URL" };
        BackendOptions.Add(option);
        return option;
    }

    /// <summary>
    /// Adds the current default URL to the <c>--backend</c> descriptions. Called only when help is shown: finding
    /// the default looks the user up in the user database, a cost every start would pay for nothing.
    /// </summary>
    public static void DescribeDefaultBackend()
    {
        var now = BackendUrl.Redact(Coordinator.DefaultBackendUrl);
        foreach (var option in BackendOptions)
        {
            option.Description = $"{BackendDescription}; now {now}]";
        }
    }

    /// <summary>A duration option (<see cref="DurationParser"/>); a bad value is a parse error (exit 64).</summary>
    /// <param name="name">The option's name, such as <c>--timeout</c>.</param>
    /// <param name="description">What it does, including its default.</param>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "DUR",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            if (DurationParser.TryParse(text, out var value, out var error))
            {
                return value;
            }

            result.AddError($"{name}: {error}");
            return null;
        },
    };

    /// <summary>
    /// <c>--id ID</c>: a member id (<c>elect</c>'s candidate, <c>join</c>'s member), checked as the library checks it —
    /// not empty, at most <see cref="MemberIdentity.MaxCustomIdLength"/> characters, no control characters — so that a
    /// bad one is a usage error before anything connects.
    /// </summary>
    /// <param name="description">What it is for, including its default.</param>
    public static Option<string?> MemberId(string description)
    {
        var option = new Option<string?>("--id") { Description = description, HelpName = "ID" };
        option.Validators.Add(result =>
        {
            var id = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            var problem = id.Length == 0 ? "must not be empty"
                : id.Length > MemberIdentity.MaxCustomIdLength ? $"must be at most {MemberIdentity.MaxCustomIdLength} characters; this one has {id.Length}"
                : id.Any(char.IsControl) ? "must not contain control characters"
                : null;
            if (problem is not null)
            {
                result.AddError($"--id: a member id {problem}.");
            }
        });
        return option;
    }

    /// <summary><c>--kill-after DUR</c> of the verbs that run a command: the grace between the SIGTERM of a loss and SIGKILL.</summary>
    /// <param name="what">What is lost: "the lock", "leadership", "membership".</param>
    public static Option<TimeSpan?> KillAfter(string what) => Duration(
        "--kill-after",
        $"When {what} is lost while COMMAND runs, baton sends it SIGTERM, then SIGKILL if it has not exited this long after: "
        + $"{DurationParser.Syntax}. [default: {Supervision.SupervisedCommand.DefaultKillAfter.TotalSeconds:0}s]");

    /// <summary>The backend URL to connect to: the option's value, or null for the library's default.</summary>
    /// <param name="parseResult">The parsed command line.</param>
    /// <param name="backend">The <c>--backend</c> option.</param>
    public static string? GetBackend(ParseResult parseResult, Option<string?> backend) =>
        parseResult.GetValue(backend) is { Length: > 0 } url ? url : null;
}
