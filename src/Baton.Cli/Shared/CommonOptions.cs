using System.CommandLine;
using Baton.Backends;

namespace Baton.Cli.Shared;

/// <summary>Options shared by the verbs: the backend URL and durations.</summary>
internal static class CommonOptions
{
    /// <summary>
    /// <c>--backend URL</c>; absent means <see cref="Coordinator.DefaultBackendUrl"/> (<c>BATON_BACKEND</c>, else the
    /// default file directory). Help shows the default with any password hidden.
    /// </summary>
    public static Option<string?> Backend() => new("--backend", "-b")
    {
        Description = "Backend URL: memory://, file:///DIR, redis://…, postgres://…, etcd://…, zookeeper://… "
            + $"[default: ${Coordinator.BackendEnvironmentVariable} when set, else the per-user lock directory; now {BackendUrl.Redact(Coordinator.DefaultBackendUrl)}]",
        HelpName = "URL",
    };

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

    /// <summary>The backend URL to connect to: the option's value, or null for the library's default.</summary>
    /// <param name="parseResult">The parsed command line.</param>
    /// <param name="backend">The <c>--backend</c> option.</param>
    public static string? GetBackend(ParseResult parseResult, Option<string?> backend) =>
        parseResult.GetValue(backend) is { Length: > 0 } url ? url : null;
}
